package org.sparkddp.driver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparkddp.common.error.InvalidInputException;

/** What the parser reads, and the one line each usage error ends in (Main prints it, with exit status 2). */
class CommandLineErrorsTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "train --epochs 3|unknown argument '--epochs' (see --help)",
        "train --confg job.conf|unknown argument '--confg': did you mean --config? (see --help)",
        "train extra|unknown argument 'extra' (see --help)",
        "fit|unknown command 'fit' (expected train, evaluate, report, search, predict or export; see --help)",
        "evaluate --model a.zip --model b.zip|--model given twice (see --help)",
        "train --config a.conf --config=b.conf|--config given twice (see --help)",
        "train --resume a --resume b|--resume given twice (see --help)",
        "evaluate --model|--model needs a value (see --help)",
        "evaluate|evaluate needs --model FILE (see --help)",
        "predict --model m.zip --input in|predict needs --model FILE --input IN --output DIR (see --help)",
        "export --model m.zip|export needs --model FILE --output FILE (see --help)",
        "search|search needs --grid FILE (see --help)",
        "report|report needs one argument, a run's output directory (see --help)",
        "report a b|unknown argument 'b' (see --help)",
        "train --model m.zip|--model is an option of evaluate, predict and export, not of train",
        "search --grid g.conf --resume ckpt|--resume is an option of train, not of search",
    })
    void aUsageErrorIsOneLine(String args, String expected) {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> CommandLine.parse(args.split(" ")));
        assertEquals(expected, e.getMessage());
    }

    @Test
    void eachCommandReadsItsOptions() {
        CommandLine train = CommandLine.parse(new String[] {"train", "-c", "job.conf", "--set=a=1", "-s", "b=2",
                "--resume", "ckpt"});
        assertEquals(Optional.of("job.conf"), train.configFile());
        assertEquals(List.of("a=1", "b=2"), train.overrides());
        assertEquals(Optional.of("ckpt"), train.resume());
        CommandLine predict = CommandLine.parse(new String[] {"predict", "--output", "out", "--model=m.zip",
                "--input", "@in"});
        assertEquals(List.of(Optional.of("m.zip"), Optional.of("@in"), Optional.of("out")),
                List.of(predict.model(), predict.input(), predict.output()));
        assertEquals(Optional.of("runs/1"), CommandLine.parse(new String[] {"report", "runs/1"}).runDir());
        CommandLine export = CommandLine.parse(new String[] {"export", "--model", "m.zip", "--output", "m.onnx"});
        assertEquals("export", export.command());
        assertEquals(Optional.empty(), export.configFile());
        assertEquals(Optional.of("g.conf"), CommandLine.parse(new String[] {"search", "--grid", "g.conf"}).grid());
    }
}
