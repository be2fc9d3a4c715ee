package org.sparkddp.driver.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.sparkddp.common.error.InvalidInputException;

/**
 * The parsed command line: {@code train [--config FILE] [--set key=value ...] [--resume DIR]} or
 * {@code evaluate --model FILE [--config FILE] [--set key=value ...]}.
 *
 * @param command    the subcommand ({@code train}, {@code evaluate} or {@code help})
 * @param configFile the job's config file, if given; otherwise the built-in default job runs
 * @param overrides  {@code key=value} overrides, in order
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
    public static final String USAGE = String.join("\n",
            "usage: spark-ddp train [--config FILE] [--set key=value ...] [--resume DIR] [--overwrite]",
            "       spark-ddp evaluate --model FILE [--config FILE] [--set key=value ...]",
            "       spark-ddp report OUTPUT_DIR",
            "       spark-ddp search --grid FILE [--config FILE] [--set key=value ...] [--overwrite]",
            "       spark-ddp predict --model FILE --input IN --output DIR [--config FILE] [--set key=value ...] [--overwrite]",
            "       spark-ddp export --model FILE --output FILE [--set key=value ...] [--overwrite]",
            "",
            "  train     train a network; with no --config, the built-in default job",
            "            (conf/fashion-mnist-mlp.conf: an MLP on Fashion-MNIST, local Spark)",
            "  --config  a HOCON config file: a local path or any Hadoop FileSystem URI",
            "  --set     override one config key, e.g. --set training.epochs=2 (repeatable)",
            "  --resume  continue from the newest checkpoint in DIR (checkpoint.dir), or from DIR itself if it is",
            "            one checkpoint; without --config, the checkpoint's own config is used",
            "  --overwrite  replace an earlier run's results in the output directory once this run's are complete",
            "            (--set output.overwrite=true); without it, a used output directory is refused",
            "  evaluate  score a model.zip on the config's test set (data.test) on the executors; writes evaluation.json beside it",
            "  --model   the model.zip (a local path or any Hadoop FileSystem URI)",
            "  report    (re)write OUTPUT_DIR/report.html from a run's metrics.jsonl and summary.json",
            "  search    train one trial per point of the grid, one after another, each on every worker;",
            "            ranks them by held-out loss in OUTPUT-search/search.json (OUTPUT: output.dir)",
            "  predict   add predictions to Parquet rows (a 'features' column: Vector or array) or to IDX, CSV or",
            "            LibSVM files, on the executors; writes Parquet to --output, partitioned like the input;",
            "            IN's format is data.format if --config or --set gives it, else from its name (.csv, .svm,",
            "            .libsvm, -images-idx3-ubyte[.gz]; anything else is Parquet)",
            "  export    write a model.zip's network as an ONNX model (opset 13) for onnxruntime and the like; a",
            "            layer with no exact ONNX form is refused, naming it, and nothing is written",
            "  --input   predict's input: a file or a directory of files (a local path or any Hadoop FileSystem URI)",
            "  --output  the directory predict writes, which must not exist yet unless --overwrite is given (hdfs:// URIs",
            "            name their namenode); export's is the .onnx file it writes, under the same rule",
            "  --grid    HOCON: grid { \"optimizer.learning-rate\" = [0.001, 0.003] }, optionally random { samples = N }",
            "  help      this text; spark-ddp help COMMAND (or COMMAND --help) gives one command's usage and options",
            "",
            "Exit status: 0 done, 2 invalid input (config, data, paths), 3 training diverged, 1 other failure.");

    /** The commands, in the order the usage lists them. */
    private static final List<String> COMMANDS = List.of("train", "evaluate", "report", "search", "predict", "export",
            "help");

    /**
     * The usage text the arguments ask for, if they ask for one: none, {@code help}, {@code --help} or {@code -h}
     * anywhere, the whole usage; {@code help COMMAND} or {@code COMMAND --help}, that command's. Checked before
     * {@link #parse}, so that help is given even where the other arguments are incomplete or wrong.
     */
    public static Optional<String> help(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            return Optional.of(USAGE);
        }
        if (args[0].equals("help")) {
            if (args.length == 1) {
                return Optional.of(USAGE);
            }
            if (args.length > 2 || !COMMANDS.contains(args[1])) {
                throw new InvalidInputException("help takes one command: train, evaluate, report, search, predict or"
                        + " export"
                        + " (see --help)");
            }
            return Optional.of(usage(args[1]));
        }
        boolean asked = List.of(args).contains("--help") || List.of(args).contains("-h");
        return asked && COMMANDS.contains(args[0]) ? Optional.of(usage(args[0])) : Optional.empty();
    }

    /**
     * One command's usage: its synopsis line from {@link #USAGE}, the lines that describe it, and those of each
     * option its synopsis names; then the exit statuses.
     */
    static String usage(String command) {
        if (command.equals("help")) {
            return String.join("\n", "usage: spark-ddp help [COMMAND]", "",
                    "  help      the usage of every command; with COMMAND, that command's usage and options",
                    "            (as spark-ddp COMMAND --help)");
        }
        List<String> lines = USAGE.lines().toList();
        List<String> text = new ArrayList<>();
        String synopsis = lines.stream().filter(l -> l.matches("(usage:|\\s+) spark-ddp " + command + "\\b.*"))
                .findFirst().orElseThrow().strip().replaceFirst("^usage: ", "");
        text.add("usage: " + synopsis);
        text.add("");
        text.addAll(described(lines, command));
        java.util.regex.Matcher option = java.util.regex.Pattern.compile("--[a-z][a-z-]*").matcher(synopsis);
        while (option.find()) {
            text.addAll(described(lines, option.group()));
        }
        text.add("");
        text.add(lines.get(lines.size() - 1));
        return String.join("\n", text);
    }

    /** The lines of {@link #USAGE} that describe {@code word}: its own, and the indented ones that carry it on. */
    private static List<String> described(List<String> lines, String word) {
        List<String> found = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("  " + word + " ")) {
                found.add(lines.get(i));
                for (int j = i + 1; j < lines.size() && lines.get(j).startsWith("            "); j++) {
                    found.add(lines.get(j));
                }
                break;
            }
        }
        return found;
    }

    public static CommandLine parse(String[] args) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            return help();
        }
        String command = args[0];
        if (command.equals("report")) {
            if (args.length != 2 || args[1].startsWith("-")) {
                throw new InvalidInputException("report needs one argument, a run's output directory (see --help)");
            }
            return new CommandLine(command, Optional.empty(), List.of(), Optional.empty(), Optional.empty(),
                    Optional.of(args[1]), Optional.empty(), Optional.empty(), Optional.empty());
        }
        if (!List.of("train", "evaluate", "search", "predict", "export").contains(command)) {
            throw new InvalidInputException("unknown command '" + command + "' (expected train, evaluate, report,"
                    + " search, predict or export; see --help)");
        }
        String config = null;
        String resume = null;
        String model = null;
        String grid = null;
        String input = null;
        String output = null;
        List<String> overrides = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--config", "-c" -> {
                    if (config != null) {
                        throw new InvalidInputException("--config given twice");
                    }
                    config = value(args, ++i, arg);
                }
                case "--set", "-s" -> overrides.add(value(args, ++i, arg));
                case "--resume" -> resume = only(command, "train", arg, value(args, ++i, arg));
                case "--model" -> model = List.of("predict", "export").contains(command) ? value(args, ++i, arg)
                        : only(command, "evaluate", arg, value(args, ++i, arg));
                case "--input" -> input = only(command, "predict", arg, value(args, ++i, arg));
                case "--output" -> output = command.equals("export") ? value(args, ++i, arg)
                        : only(command, "predict", arg, value(args, ++i, arg));
                case "--grid" -> grid = only(command, "search", arg, value(args, ++i, arg));
                case "--overwrite" -> overrides.add(overwrite(command));
                case "--help", "-h" -> {
                    return help();
                }
                default -> {
                    if (arg.startsWith("--config=")) {
                        config = arg.substring("--config=".length());
                    } else if (arg.startsWith("--set=")) {
                        overrides.add(arg.substring("--set=".length()));
                    } else {
                        throw new InvalidInputException("unknown argument '" + arg + "' (see --help)");
                    }
                }
            }
        }
        if (command.equals("evaluate") && model == null) {
            throw new InvalidInputException("evaluate needs --model FILE (see --help)");
        }
        if (command.equals("predict") && (model == null || input == null || output == null)) {
            throw new InvalidInputException("predict needs --model FILE --input IN --output DIR (see --help)");
        }
        if (command.equals("export") && (model == null || output == null)) {
            throw new InvalidInputException("export needs --model FILE --output FILE (see --help)");
        }
        if (command.equals("search") && grid == null) {
            throw new InvalidInputException("search needs --grid FILE (see --help)");
        }
        return new CommandLine(command, Optional.ofNullable(config), List.copyOf(overrides), Optional.ofNullable(resume),
                Optional.ofNullable(model), Optional.empty(), Optional.ofNullable(grid), Optional.ofNullable(input),
                Optional.ofNullable(output));
    }

    private static CommandLine help() {
        return new CommandLine("help", Optional.empty(), List.of(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** An option's value, when the option belongs to {@code owner}. */
    private static String only(String command, String owner, String option, String value) {
        if (!command.equals(owner)) {
            throw new InvalidInputException(option + " is an option of " + owner + ", not of " + command);
        }
        return value;
    }

    /** {@code --overwrite} is {@code --set output.overwrite=true}, for the commands that write results. */
    private static String overwrite(String command) {
        if (command.equals("evaluate")) {
            throw new InvalidInputException("--overwrite is an option of train, search, predict and export, not of"
                    + " evaluate");
        }
        return "output.overwrite=true";
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new InvalidInputException(option + " needs a value (see --help)");
        }
        return args[i];
    }
}
