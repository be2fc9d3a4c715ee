package org.sparkddp.driver;

import java.io.IOException;
import java.io.PrintStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.sparkddp.driver.cli.CommandLine;
import org.sparkddp.driver.output.OutputDirectory;
import org.sparkddp.driver.report.TrainingReport;
import org.sparkddp.driver.spark.HadoopConfs;

/** {@code spark-ddp report OUTPUT_DIR}: (re)writes a run's report.html, on the driver, without Spark. */
final class ReportCommand {
    private ReportCommand() {
    }

    static void run(CommandLine cli, PrintStream out) throws IOException {
        // spark-submit's spark.hadoop.* properties are system properties by now: enough to reach the directory.
        Configuration hadoop = HadoopConfs.from(new SparkConf());
        OutputDirectory dir = OutputDirectory.open(cli.runDir().orElseThrow(), hadoop, "OUTPUT_DIR");
        TrainingReport.write(dir, hadoop);
        out.println("written: " + dir.location() + "/" + TrainingReport.NAME);
    }
}
