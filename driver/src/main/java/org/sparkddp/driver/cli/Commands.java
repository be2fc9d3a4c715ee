package org.sparkddp.driver.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The commands of {@code spark-ddp} and their options, declared for picocli, which parses them and writes their
 * usage ({@link CommandParser}). Runs on the driver. Each command turns what picocli filled in into the
 * {@link CommandLine} the command classes read.
 */
final class Commands {
    /** The exit statuses, the last line of every usage text. */
    static final String EXIT_STATUS = "Exit status: 0 done, 2 invalid input (config, data, paths), 3 training"
            + " diverged, 1 other failure.";

    /** How to get one command's usage, before the exit statuses. */
    static final String MORE = "spark-ddp COMMAND --help (or -h, or spark-ddp help COMMAND) gives one command's"
            + " usage.";

    /** What {@code --overwrite} does, for every command that takes it. */
    private static final String OVERWRITE = "replace the earlier results (in output.dir, or at --output) once this"
            + " run's are complete (--set output.overwrite=true); without it, results already there are refused";

    private Commands() {
    }

    /** A command, once picocli has filled in its options. */
    interface Parsed {
        CommandLine commandLine();
    }

    /**
     * {@code --config} and {@code --set}, which every command but report takes. {@code --overwrite} writes into
     * the same list of overrides, so that the settings apply in the order they are given.
     */
    static class Settings {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE",
                description = "a HOCON config file: a local path or any Hadoop FileSystem URI")
        String configFile;

        final List<String> overrides = new ArrayList<>();

        @Option(names = {"-s", "--set"}, paramLabel = "key=value",
                description = "override one config key, e.g. --set training.epochs=2 (repeatable)")
        void set(List<String> values) {
            // NOTE: picocli hands a multi-valued option's whole list, first empty and then each time it grows: the
            // new value is the last.
            if (!values.isEmpty()) {
                overrides.add(values.get(values.size() - 1));
            }
        }

        /** {@code --overwrite} is {@code --set output.overwrite=true}, in the order given. */
        void overwrite(boolean on) {
            if (on) {
                overrides.add("output.overwrite=true");
            }
        }

        CommandLine commandLine(String command) {
            return CommandLine.of(command).withConfig(configFile).withOverrides(overrides);
        }
    }

    /** The same, and {@code --overwrite}, for the commands that write results. */
    static class WritingSettings extends Settings {
        @Option(names = "--overwrite", description = OVERWRITE)
        void overwriteOption(boolean on) {
            overwrite(on);
        }
    }

    /** {@code --model}, the model.zip that evaluate, predict and export read. */
    static final class ModelFile {
        @Option(names = "--model", paramLabel = "FILE", required = true,
                description = "the model.zip (a local path or any Hadoop FileSystem URI)")
        String file;
    }

    /**
     * {@code -h}/{@code --help}, kept out of the synopses and option lists (the usage itself says how to get it);
     * the help is found before parsing ({@link CommandParser#help}), so this only lets picocli read it.
     */
    static final class Help {
        @Option(names = {"-h", "--help"}, usageHelp = true, hidden = true)
        boolean asked;
    }

    @Command(name = "train", description = "train a network; with no --config, the built-in default job"
            + " (conf/fashion-mnist-mlp.conf: an MLP on Fashion-MNIST, local Spark)")
    static final class Train implements Parsed {
        @Mixin
        WritingSettings settings;

        @Option(names = "--resume", paramLabel = "DIR", description = "continue from the newest checkpoint in DIR"
                + " (checkpoint.dir), or from DIR itself if it is one checkpoint; without --config, the"
                + " checkpoint's own config is used")
        String resume;

        @Mixin
        Help help;

        @Override
        public CommandLine commandLine() {
            return settings.commandLine("train").withResume(resume);
        }
    }

    @Command(name = "evaluate", description = "score a model.zip on the config's test set (data.test) on the"
            + " executors; writes evaluation.json beside it")
    static final class Evaluate implements Parsed {
        @Mixin
        ModelFile model;

        @Mixin
        Settings settings;

        @Mixin
        Help help;

        @Override
        public CommandLine commandLine() {
            return settings.commandLine("evaluate").withModel(model.file);
        }
    }

    @Command(name = "report", description = "(re)write OUTPUT_DIR/report.html from a run's metrics.jsonl and"
            + " summary.json")
    static final class Report implements Parsed {
        @Parameters(paramLabel = "OUTPUT_DIR", arity = "1", description = "a run's output directory")
        String runDir;

        @Mixin
        Help help;

        @Override
        public CommandLine commandLine() {
            return CommandLine.of("report").withRunDir(runDir);
        }
    }

    @Command(name = "search", description = "train one trial per point of the grid, one after another, each on every"
            + " worker; ranks them by held-out loss in OUTPUT-search/search.json (OUTPUT: output.dir)")
    static final class Search implements Parsed {
        @Option(names = "--grid", paramLabel = "FILE", required = true, description = "HOCON: grid {"
                + " \"optimizer.learning-rate\" = [0.001, 0.003] }, optionally random { samples = N }")
        String grid;

        @Mixin
        WritingSettings settings;

        @Mixin
        Help help;

        @Override
        public CommandLine commandLine() {
            return settings.commandLine("search").withGrid(grid);
        }
    }

    @Command(name = "predict", description = "add predictions to Parquet rows (a 'features' column: Vector or array)"
            + " or to IDX, CSV or LibSVM files, on the executors; writes Parquet to --output, partitioned like the"
            + " input; IN's format is data.format if --config or --set gives it, else from its name (.csv, .svm,"
            + " .libsvm, -images-idx3-ubyte[.gz]; anything else is Parquet)")
    static final class Predict implements Parsed {
        @Mixin
        ModelFile model;

        @Option(names = "--input", paramLabel = "IN", required = true, description = "a file or a directory of files"
                + " (a local path or any Hadoop FileSystem URI)")
        String input;

        @Option(names = "--output", paramLabel = "DIR", required = true, description = "the directory predict writes,"
                + " which must not exist yet unless --overwrite is given (hdfs:// URIs name their namenode)")
        String output;

        @Mixin
        WritingSettings settings;

        @Mixin
        Help help;

        @Override
        public CommandLine commandLine() {
            return settings.commandLine("predict").withModel(model.file).withInput(input).withOutput(output);
        }
    }

    @Command(name = "export", description = "write a model.zip's network as an ONNX model (opset 13) for onnxruntime"
            + " and the like; a layer with no exact ONNX form is refused, naming it, and nothing is written")
    static final class Export implements Parsed {
        @Mixin
        ModelFile model;

        @Option(names = "--output", paramLabel = "FILE", required = true, description = "the .onnx file export"
                + " writes, which must not exist yet unless --overwrite is given")
        String output;

        @Mixin
        WritingSettings settings;

        @Mixin
        Help help;

        @Override
        public CommandLine commandLine() {
            return settings.commandLine("export").withModel(model.file).withOutput(output);
        }
    }

    /** {@code help [COMMAND]}: declared so that the usage lists it; answered before parsing. */
    @Command(name = "help", description = "the usage of every command; with COMMAND, that command's usage and"
            + " options (as spark-ddp COMMAND --help)")
    static final class HelpCommand {
        @Parameters(paramLabel = "COMMAND", arity = "0..1", description = "train, evaluate, report, search, predict"
                + " or export")
        String command;
    }

    /** The top-level command, which only holds the others (listed in the order the usage gives them). */
    @Command(name = "spark-ddp", subcommands = {Train.class, Evaluate.class, Report.class, Search.class,
        Predict.class, Export.class, HelpCommand.class})
    static final class Root {
    }
}
