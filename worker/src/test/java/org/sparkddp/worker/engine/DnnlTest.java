package org.sparkddp.worker.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DnnlTest {
    @Test
    void loadsOnLinuxX8664AndGivesEachThreadItsOwnStreamOnOneEngine() throws Exception {
        // The build pins the linux-x86_64 native jar, the platform the project supports: it must load here.
        assertNull(Dnnl.unavailableBecause());
        assertTrue(Dnnl.available());
        Dnnl mine = Dnnl.forThread();
        assertSame(mine, Dnnl.forThread());
        Dnnl other = CompletableFuture.supplyAsync(Dnnl::forThread).get(30, TimeUnit.SECONDS);
        assertNotSame(mine, other);
        assertNotSame(mine.stream, other.stream);
        assertSame(mine.cpu, other.cpu, "one engine, whose primitives run on any thread's stream");
        assertEquals(org.bytedeco.dnnl.engine.kind.cpu.value, mine.cpu.get_kind().value);
    }
}
