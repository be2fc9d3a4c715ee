package org.sparkddp.driver;

import org.apache.spark.SparkUserAppException;

/**
 * How the command's exit status leaves the driver when it runs inside Spark's YARN ApplicationMaster (deploy mode
 * cluster). There the ApplicationMaster calls {@link Main#main} on a thread of its own and reports the
 * application's final status to YARN once main returns or throws; {@code System.exit} would run the JVM's shutdown
 * hooks first, and YARN would record the application as failed ("Shutdown hook called before final status was
 * reported") however the command ended, so that spark-submit fails a run that succeeded. Runs on the driver.
 */
final class ApplicationMasterExit {
    private ApplicationMasterExit() {
    }

    /**
     * Whether this JVM is a YARN cluster-mode driver: the ApplicationMaster copies the application's Spark
     * properties into the system properties before it calls main, and only there does a driver run on YARN in
     * cluster mode.
     */
    static boolean inApplicationMaster() {
        return "cluster".equals(System.getProperty("spark.submit.deployMode"))
                && System.getProperty("spark.master", "").startsWith("yarn");
    }

    /**
     * Returns for status 0, so that main returns and the application succeeds; any other status is thrown as
     * Spark's own exception for it, which the ApplicationMaster reports as the application's exit code ("User
     * application exited with status 2"). The command's one line is already on the driver's stderr, the
     * container's log.
     */
    static void finish(int status) throws SparkUserAppException {
        if (status != Main.OK) {
            throw new SparkUserAppException(status);
        }
    }
}
