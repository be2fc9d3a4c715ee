package org.sparkddp.common.config;

/** Which collective the ranks of a stage exchange through; see {@code training.collective} in defaults.conf. */
public enum CollectiveKind implements ConfigChoice {
    /**
     * Shared memory when some JVM runs more than one rank of a stage; else hierarchical when some host runs more
     * than one rank and there is more than one host; else ring.
     */
    AUTO,
    /** One flat ring over all ranks, in rank order. */
    RING,
    /**
     * Ranks on one host reduce among themselves first, one leader per host runs the ring between hosts, then each
     * leader shares the result on its host.
     */
    HIERARCHICAL,
    /**
     * Ranks that are threads of one JVM sum through shared memory, without sockets, and one rank per JVM runs the
     * ring between JVMs; when no two ranks share a JVM, what {@code AUTO} picks among the others.
     */
    SHARED_MEMORY;
}
