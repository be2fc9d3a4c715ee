package org.sparkddp.driver.cli;

import java.util.List;
import java.util.Optional;

/**
 * The parsed command line, as the commands read it: which command, and the options it was given. Parsed (and its
 * usage written) by picocli, from the commands declared in {@link Commands}; see {@link CommandParser}.
 *
 * @param command    the subcommand ({@code train}, {@code evaluate}, {@code report}, {@code search},
 *                   {@code predict} or {@code export})
 * @param configFile the job's config file, if given; otherwise the built-in default job runs
 * @param overrides  {@code key=value} overrides, in order ({@code --overwrite} is {@code output.overwrite=true})
 * @param resume     a checkpoint (or directory of checkpoints) to continue from
 * @param model      the model.zip to evaluate
 * @param runDir     the output directory of a run, to write a report for
 * @param grid       the search space of {@code search}
 * @param input      {@code predict}'s input (Parquet, IDX, CSV or LibSVM) and {@code output}, where it writes (and
 *                   where {@code export} writes its .onnx file)
 */
public record CommandLine(String command, Optional<String> configFile, List<String> overrides, Optional<String> resume,
                          Optional<String> model, Optional<String> runDir, Optional<String> grid,
                          Optional<String> input, Optional<String> output) {
    /** The whole usage: every command's synopsis, what each does, and every option. */
    public static final String USAGE = CommandParser.usage();

    public CommandLine {
        overrides = List.copyOf(overrides);
    }

    /**
     * The usage text the arguments ask for, if they ask for one: none, {@code help}, {@code --help} or {@code -h}
     * anywhere, the whole usage; {@code help COMMAND} or {@code COMMAND --help}, that command's. Checked before
     * {@link #parse}, so that help is given even where the other arguments are incomplete or wrong.
     */
    public static Optional<String> help(String[] args) {
        return CommandParser.help(args);
    }

    /** The command line {@code args} give; a usage error is an {@code InvalidInputException} of one line. */
    public static CommandLine parse(String[] args) {
        return CommandParser.parse(args);
    }

    static CommandLine of(String command) {
        return new CommandLine(command, Optional.empty(), List.of(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    CommandLine withConfig(String file) {
        return new CommandLine(command, Optional.ofNullable(file), overrides, resume, model, runDir, grid, input,
                output);
    }

    CommandLine withOverrides(List<String> settings) {
        return new CommandLine(command, configFile, settings, resume, model, runDir, grid, input, output);
    }

    CommandLine withResume(String dir) {
        return new CommandLine(command, configFile, overrides, Optional.ofNullable(dir), model, runDir, grid, input,
                output);
    }

    CommandLine withModel(String file) {
        return new CommandLine(command, configFile, overrides, resume, Optional.of(file), runDir, grid, input,
                output);
    }

    CommandLine withRunDir(String dir) {
        return new CommandLine(command, configFile, overrides, resume, model, Optional.of(dir), grid, input, output);
    }

    CommandLine withGrid(String file) {
        return new CommandLine(command, configFile, overrides, resume, model, runDir, Optional.of(file), input,
                output);
    }

    CommandLine withInput(String in) {
        return new CommandLine(command, configFile, overrides, resume, model, runDir, grid, Optional.of(in), output);
    }

    CommandLine withOutput(String out) {
        return new CommandLine(command, configFile, overrides, resume, model, runDir, grid, input, Optional.of(out));
    }
}
