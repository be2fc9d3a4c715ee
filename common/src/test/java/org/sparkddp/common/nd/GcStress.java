package org.sparkddp.common.nd;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A child JVM's main: runs ND4J ops that build a fresh dimension array per call (row-vector broadcasts, reductions
 * along a dimension) for some seconds while another thread makes young GCs frequent, the conditions of the executor crash.
 * Prints one line and exits 0 if it survives; the JVM dies with SIGSEGV (and an {@code hs_err} file) if an op's
 * buffers are freed under it.
 *
 * <p>Usage: {@code GcStress SECONDS fenced|unfenced}. Unfenced is for measuring the crash rate by hand.
 */
public final class GcStress {
    /** Where the garbage thread puts each allocation, so that the JIT cannot drop it. */
    static volatile Object sink;
    private GcStress() {
    }

    public static void main(String[] args) {
        long seconds = Long.parseLong(args[0]);
        if ("fenced".equals(args[1])) {
            FencedExecutioner.install();
        }
        INDArray x = Nd4j.rand(DataType.FLOAT, 128, 256);
        INDArray b = Nd4j.rand(DataType.FLOAT, 1, 256);
        INDArray before = x.dup();
        // Garbage from another thread: with a small young generation (run with -Xmn4m) a young GC comes every few
        // milliseconds and lands inside ops, each time processing the references of the ops' dead temporaries.
        Thread gc = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                sink = new byte[64 * 1024];
            }
        }, "garbage");
        gc.setDaemon(true);
        gc.start();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long n = 0;
        double columnSums = 0;
        while (System.nanoTime() < end) {
            x.addiRowVector(b);
            x.subiRowVector(b);
            columnSums += x.sum(0).getDouble(0);
            n++;
        }
        gc.interrupt();
        // Adding and subtracting the same row leaves x within rounding of where it started.
        double drift = x.sub(before).norm1Number().doubleValue() / x.length();
        System.out.println("survived " + n + " iterations in " + seconds + " s, fenced " + FencedExecutioner.isFenced(
                Nd4j.getExecutioner()) + ", mean drift " + drift + ", checksum " + (columnSums != 0));
    }
}
