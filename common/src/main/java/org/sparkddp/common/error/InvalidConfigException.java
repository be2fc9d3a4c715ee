package org.sparkddp.common.error;

/**
 * A config key that is unknown, ill-typed, missing or out of range. The message reads
 * {@code <where>: <key>: <problem>}, where {@code where} is {@code file:line} or {@code --set}, and is left
 * out when the value has no source (a required key nobody set).
 */
public final class InvalidConfigException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final String where;
    private final String problem;

    public InvalidConfigException(String key, String problem) {
        this(key, "", problem);
    }

    public InvalidConfigException(String key, String where, String problem) {
        super((where == null || where.isEmpty() ? "" : where + ": ") + key + ": " + problem);
        this.key = key;
        this.where = where == null ? "" : where;
        this.problem = problem;
    }

    /** The full config key at fault, e.g. {@code training.workers} or {@code model.hidden[1]}. */
    public String key() {
        return key;
    }

    /** Where the offending value came from, or empty if not known. */
    public String where() {
        return where;
    }

    /** The same problem, located at {@code where}. */
    public InvalidConfigException locatedAt(String newWhere) {
        return new InvalidConfigException(key, newWhere, problem);
    }
}
