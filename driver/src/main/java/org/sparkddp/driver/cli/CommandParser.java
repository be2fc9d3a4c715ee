package org.sparkddp.driver.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sparkddp.common.error.InvalidInputException;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.OverwrittenOptionException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Parses {@code spark-ddp}'s arguments with picocli and writes its usage texts, from the commands declared in
 * {@link Commands}. Runs on the driver. A usage error becomes one {@link InvalidInputException} line (exit status
 * 2): an unknown argument or command, an option of another command, a missing option or value, an option given
 * twice.
 */
final class CommandParser {
    private static final int WIDTH = 110;
    private static final String SEE_HELP = " (see --help)";

    private CommandParser() {
    }

    /** A fresh picocli tree of the commands (picocli fills the command objects in, so one per parse). */
    private static picocli.CommandLine commands() {
        picocli.CommandLine root = new picocli.CommandLine(new Commands.Root());
        // "@file" arguments stay arguments (picocli would read them as argument files).
        root.setExpandAtFiles(false);
        root.setUsageHelpWidth(WIDTH);
        for (picocli.CommandLine sub : root.getSubcommands().values()) {
            sub.getCommandSpec().usageMessage().synopsisHeading("usage: ").descriptionHeading("%n")
                    .optionListHeading("%nOptions:%n").parameterListHeading("%nArguments:%n").footerHeading("%n")
                    .footer(Commands.EXIT_STATUS).sortOptions(false).sortSynopsis(false);
        }
        return root;
    }

    /**
     * The tree that writes usage texts: "--config FILE" rather than picocli's "--config=FILE" (the parser reads
     * both; with " " as its separator it would no longer read the second).
     */
    private static picocli.CommandLine forUsage() {
        picocli.CommandLine root = commands();
        root.setSeparator(" ");
        return root;
    }

    static Optional<String> help(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            return Optional.of(usage());
        }
        Map<String, picocli.CommandLine> commands = commands().getSubcommands();
        if (args[0].equals("help")) {
            if (args.length == 1) {
                return Optional.of(usage());
            }
            if (args.length > 2 || !commands.containsKey(args[1])) {
                throw new InvalidInputException("help takes one command: " + or(names(commands, false)) + SEE_HELP);
            }
            return Optional.of(usage(args[1]));
        }
        boolean asked = List.of(args).contains("--help") || List.of(args).contains("-h");
        return asked && commands.containsKey(args[0]) ? Optional.of(usage(args[0])) : Optional.empty();
    }

    /** One command's usage: its synopsis, what it does, each of its options, then the exit statuses. */
    static String usage(String command) {
        return forUsage().getSubcommands().get(command).getUsageMessage().stripTrailing();
    }

    /**
     * The whole usage: each command's synopsis, what each command does, and every option once (an option that
     * means something else in another command, such as export's {@code --output FILE}, once per meaning).
     */
    static String usage() {
        picocli.CommandLine root = forUsage();
        List<String> lines = new ArrayList<>();
        String heading = "usage: ";
        Map<String, OptionSpec.Builder> seen = new LinkedHashMap<>();
        for (picocli.CommandLine sub : root.getSubcommands().values()) {
            Help help = new Help(sub.getCommandSpec());
            lines.add(heading + help.synopsis(heading.length()).stripTrailing());
            heading = " ".repeat(heading.length());
            for (OptionSpec option : sub.getCommandSpec().options()) {
                OptionSpec.Builder first = seen.putIfAbsent(option.longestName(), OptionSpec.builder(option));
                if (first != null && !List.of(first.description()).equals(List.of(option.description()))) {
                    List<String> both = new ArrayList<>(List.of(first.description()));
                    both.add(sub.getCommandName() + " " + option.longestName() + " " + option.paramLabel() + ": "
                            + String.join(" ", option.description()));
                    first.description(both.toArray(String[]::new));
                }
            }
        }
        CommandSpec all = CommandSpec.create();
        seen.values().forEach(option -> all.addOption(option.build()));
        all.usageMessage().width(WIDTH).sortOptions(false);
        all.parser().separator(" ");
        Help rootHelp = new Help(root.getCommandSpec());
        Help options = new Help(all);
        lines.add("");
        lines.add("Commands:");
        lines.add(rootHelp.commandList().stripTrailing());
        lines.add("");
        lines.add("Options:");
        lines.add(options.optionList().stripTrailing());
        lines.add("");
        lines.add(Commands.MORE);
        lines.add(Commands.EXIT_STATUS);
        return String.join("\n", lines).replace("\r", "");
    }

    static CommandLine parse(String[] args) {
        picocli.CommandLine root = commands();
        ParseResult result;
        try {
            result = root.parseArgs(args);
        } catch (ParameterException e) {
            throw new InvalidInputException(message(e, root, args));
        }
        if (!result.hasSubcommand() || !(result.subcommand().commandSpec().userObject()
                instanceof Commands.Parsed parsed)) {
            return CommandLine.of("help");
        }
        return parsed.commandLine();
    }

    /** picocli's finding as the one line spark-ddp has always given for it. */
    private static String message(ParameterException e, picocli.CommandLine root, String[] args) {
        CommandSpec command = e.getCommandLine().getCommandSpec();
        String name = command.name();
        Map<String, picocli.CommandLine> commands = root.getSubcommands();
        if (e instanceof UnmatchedArgumentException unmatched) {
            String argument = unmatched.getUnmatched().isEmpty() ? "" : unmatched.getUnmatched().get(0);
            if (command == root.getCommandSpec()) {
                return "unknown command '" + argument + "' (expected " + or(names(commands, false)) + "; see --help)";
            }
            String option = argument.contains("=") ? argument.substring(0, argument.indexOf('=')) : argument;
            List<String> owners = commands.values().stream()
                    .filter(c -> c.getCommandSpec().findOption(option) != null && option.startsWith("-"))
                    .filter(c -> c.getCommandSpec() != command)
                    .map(c -> c.getCommandName()).toList();
            if (!owners.isEmpty()) {
                return option + " is an option of " + and(owners) + ", not of " + name;
            }
            List<String> suggestions = unmatched.getSuggestions();
            return "unknown argument '" + argument + "'" + (suggestions.isEmpty() || !argument.startsWith("-") ? ""
                    : ": did you mean " + suggestions.get(0) + "?") + SEE_HELP;
        }
        if (e instanceof OverwrittenOptionException overwritten) {
            return longName(overwritten.getOverwritten()) + " given twice" + SEE_HELP;
        }
        if (e instanceof MissingParameterException missing) {
            for (ArgSpec arg : missing.getMissing()) {
                if (arg instanceof OptionSpec option && given(option, args)) {
                    return option.longestName() + " needs a value" + SEE_HELP;
                }
                if (arg instanceof PositionalParamSpec positional) {
                    return name + " needs one argument, " + positional.description()[0] + SEE_HELP;
                }
            }
            List<String> required = command.options().stream().filter(OptionSpec::required)
                    .map(o -> o.longestName() + " " + o.paramLabel()).toList();
            return name + " needs " + String.join(" ", required) + SEE_HELP;
        }
        return e.getMessage() + SEE_HELP;
    }

    /** Whether the command line names {@code option} (so that what is missing is its value). */
    private static boolean given(OptionSpec option, String[] args) {
        for (String arg : args) {
            for (String optionName : option.names()) {
                if (arg.equals(optionName) || arg.startsWith(optionName + "=")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String longName(ArgSpec arg) {
        return arg instanceof OptionSpec option ? option.longestName() : arg.paramLabel();
    }

    private static List<String> names(Map<String, picocli.CommandLine> commands, boolean withHelp) {
        return commands.keySet().stream().filter(c -> withHelp || !c.equals("help")).toList();
    }

    private static String or(List<String> words) {
        return joined(words, " or ");
    }

    private static String and(List<String> words) {
        return joined(words, " and ");
    }

    private static String joined(List<String> words, String last) {
        if (words.size() == 1) {
            return words.get(0);
        }
        return String.join(", ", words.subList(0, words.size() - 1)) + last + words.get(words.size() - 1);
    }
}
