package org.sparkddp.common.config;

/** What a malformed row of a text data file does; see {@code data.on-bad-row}. */
public enum BadRowPolicy implements ConfigChoice {
    /** The load fails with the file and line of the first bad row. */
    FAIL,
    /** Bad rows are left out and counted; the count is reported once per file. */
    SKIP;
}
