package org.sparkddp.driver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparkddp.common.error.InvalidInputException;

/** --help and -h on every command: the command's own usage, with each option its synopsis names. */
class CommandLineHelpTest {
    @Test
    void noArgumentsHelpAndDashDashHelpGiveTheWholeUsage() {
        for (String[] args : List.of(new String[0], new String[] {"help"}, new String[] {"--help"},
                new String[] {"-h"})) {
            assertEquals(Optional.of(CommandLine.USAGE), CommandLine.help(args), String.join(" ", args));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"train", "evaluate", "report", "search", "predict", "export"})
    void eachCommandsHelpListsItsOptions(String command) {
        String usage = CommandLine.help(new String[] {command, "--help"}).orElseThrow();
        assertEquals(usage, CommandLine.help(new String[] {command, "-h"}).orElseThrow());
        assertEquals(usage, CommandLine.help(new String[] {"help", command}).orElseThrow());
        List<String> lines = usage.lines().toList();
        assertTrue(lines.get(0).startsWith("usage: spark-ddp " + command + " "), lines.get(0));
        // Every option the synopsis shows has its line of description, and the whole usage has it too.
        java.util.regex.Matcher option = java.util.regex.Pattern.compile("--[a-z]+").matcher(lines.get(0));
        while (option.find()) {
            String name = option.group();
            assertTrue(lines.stream().anyMatch(l -> l.matches("\\s+(-[a-z], )?" + name + "\\b.*\\s{2,}\\S.*")),
                    name + " in:\n" + usage);
            assertTrue(CommandLine.USAGE.lines().anyMatch(l -> l.matches("\\s+(-[a-z], )?" + name + "\\b.*")),
                    name + " in:\n" + CommandLine.USAGE);
        }
        assertTrue(CommandLine.USAGE.contains(lines.get(0).substring("usage: ".length())), "the whole usage lacks "
                + lines.get(0) + ":\n" + CommandLine.USAGE);
        assertTrue(lines.get(lines.size() - 1).startsWith("Exit status:"), usage);
    }

    @Test
    void oneCommandsHelpLeavesOtherCommandsOptionsOut() {
        String train = CommandLine.help(new String[] {"train", "--help"}).orElseThrow();
        assertTrue(train.contains("  --resume DIR "), train);
        assertFalse(train.contains("--model") || train.contains("--grid") || train.contains("predict"), train);
        String predict = CommandLine.help(new String[] {"predict", "--help"}).orElseThrow();
        for (String option : List.of("--model FILE", "--input IN", "--output DIR", "--config FILE", "--set key=value",
                "--overwrite")) {
            assertTrue(predict.contains(" " + option + " "), option + " in:\n" + predict);
        }
    }

    @Test
    void helpWinsOverArgumentsThatWouldNotParse() {
        // report takes one argument, which --help is not; train does not know --epochs.
        assertTrue(CommandLine.help(new String[] {"report", "--help"}).orElseThrow().startsWith(
                "usage: spark-ddp report OUTPUT_DIR"));
        assertTrue(CommandLine.help(new String[] {"train", "--epochs", "3", "-h"}).isPresent());
        assertTrue(CommandLine.help(new String[] {"evaluate", "--model"}).isEmpty());
    }

    @Test
    void helpOfNoCommandIsAUsageError() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> CommandLine.help(new String[] {"help", "fit"}));
        assertTrue(e.getMessage().contains("help takes one command"), e.getMessage());
        assertTrue(CommandLine.help(new String[] {"help", "help"}).orElseThrow().startsWith("usage: spark-ddp help"));
    }
}
