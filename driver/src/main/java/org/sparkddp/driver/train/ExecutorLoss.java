package org.sparkddp.driver.train;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An executor that left while a run trained, and what its exit says: a crash (the JVM faulted, and HotSpot
 * wrote a fatal error log) is told apart from a kill or a loss, because a crash in a run that nothing disturbed
 * is a bug, whatever the resubmitted stage then recovered.
 *
 * @param executorId  Spark's executor id
 * @param host        its host, or "unknown" if no task of this run had reported from it
 * @param exitCode    the process's exit code, when the cluster manager reported one
 * @param reason      the cluster manager's words, e.g. "Command exited with code 134"
 * @param crashReport where the JVM's fatal error log should be ({@code hs_err_pid<pid>.log} in its working
 *                    directory), for a crash of an executor that had run a task of this run
 */
public record ExecutorLoss(String executorId, String host, OptionalInt exitCode, String reason,
                           Optional<String> crashReport) {
    private static final Pattern EXIT_CODE = Pattern.compile("exit(?:ed)? (?:with )?code (-?\\d+)");

    /** The exit code in a cluster manager's removal reason, e.g. standalone's "Command exited with code 134". */
    static OptionalInt exitCodeIn(String reason) {
        Matcher m = EXIT_CODE.matcher(String.valueOf(reason));
        return m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }

    /**
     * Whether the process faulted rather than being stopped: 134 is SIGABRT, with which HotSpot ends after writing
     * its fatal error log (SIGSEGV, SIGBUS or SIGILL in native code); 135, 136 and 139 are SIGBUS, SIGFPE and
     * SIGSEGV without it. 137 (SIGKILL) and 143 (SIGTERM) are kills, from a person or the cluster manager.
     */
    public boolean crashed() {
        return crash(exitCode);
    }

    /** Whether an exit with this code is a crash (see {@link #crashed}). */
    static boolean crash(OptionalInt exitCode) {
        if (exitCode.isEmpty()) {
            return false;
        }
        int code = exitCode.getAsInt();
        return code == 134 || code == 135 || code == 136 || code == 139;
    }

    /** What happened, in words, for the console and the summary: "crashed", "killed", "exited" or "lost". */
    public String kind() {
        if (crashed()) {
            return "crashed";
        }
        if (exitCode.isEmpty()) {
            return "lost";
        }
        int code = exitCode.getAsInt();
        return code == 137 || code == 143 ? "killed" : "exited";
    }

    /** One line for the console. */
    public String describe() {
        String code = exitCode.isPresent() ? " with exit code " + exitCode.getAsInt() : "";
        return switch (kind()) {
            case "crashed" -> "executor " + executorId + " on " + host + " crashed" + code + " (a JVM fatal error, a bug"
                    + " to report even though the stage recovered)" + crashReport.map(p -> "; crash report: " + p + " on "
                    + host).orElse("; its crash report is the hs_err_pid*.log file in its working directory on " + host);
            case "killed" -> "executor " + executorId + " on " + host + " was killed" + code;
            case "exited" -> "executor " + executorId + " on " + host + " exited" + code + " (" + reason + ")";
            default -> "executor " + executorId + " on " + host + " was lost (" + reason + ")";
        };
    }
}
