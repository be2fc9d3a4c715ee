package org.sparkddp.common.config;

/** The learning-rate schedules {@code optimizer.schedule.type} accepts. */
public enum ScheduleType implements ConfigChoice {
    /** The learning rate stays fixed. */
    NONE,
    /** Multiplied by {@code decay-rate} every {@code step-every} iterations (e.g. halved every 10). */
    STEP,
    /** Multiplied by {@code decay-rate} every iteration: {@code lr * decay-rate^iteration}. */
    EXPONENTIAL,
    /**
     * Falls from the rate towards 0 along half a cosine over {@code decay-iterations}, a step every {@code step-every}
     * iterations: {@code lr * (1 + cos(pi * i / decay-iterations)) / 2} at each step's first iteration {@code i}.
     */
    COSINE;
}
