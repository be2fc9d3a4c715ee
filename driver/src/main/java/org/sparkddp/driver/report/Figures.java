package org.sparkddp.driver.report;

import java.util.Locale;

/**
 * Figures as the report shows them to a person: losses and accuracies to 4 decimals, counts and rates with
 * thousands separators and no decimals, times with a unit and one decimal (0.3139, 54,843 samples/s, 21.9 s),
 * never a double's full expansion. Runs on the driver.
 */
final class Figures {
    private Figures() {
    }

    /** A loss or an accuracy: 4 decimals, 0.3139. */
    static String metric(double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }

    /** A count: 9,380. */
    static String count(long value) {
        return String.format(Locale.US, "%,d", value);
    }

    /** A rate, rounded to a whole number: 54,843 samples/s. */
    static String perSecond(double value, String unit) {
        return String.format(Locale.US, "%,.0f %s/s", value, unit);
    }

    /** Milliseconds to 3 significant figures: 2.33 ms, 45.1 ms, 1,204 ms. */
    static String millis(double ms) {
        if (ms < 10) {
            return String.format(Locale.ROOT, "%.2f ms", ms);
        }
        return ms < 100 ? String.format(Locale.ROOT, "%.1f ms", ms) : String.format(Locale.US, "%,.0f ms", ms);
    }

    /** A duration: 21.9 s under a minute, then 13 min 14 s, then 2 h 5 min. */
    static String seconds(double s) {
        if (s < 59.95) { // 59.96 would round to "60.0 s"
            return String.format(Locale.ROOT, "%.1f s", s);
        }
        long whole = Math.round(s);
        if (whole < 3600) {
            return whole / 60 + " min " + whole % 60 + " s";
        }
        return whole / 3600 + " h " + whole % 3600 / 60 + " min";
    }
}
