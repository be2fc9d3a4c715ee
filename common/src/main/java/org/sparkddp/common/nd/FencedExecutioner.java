package org.sparkddp.common.nd;

import java.lang.ref.Reference;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.LinkedHashSet;
import java.util.Set;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J's op executioner, wrapped so that every op and every array handed to it stays strongly reachable until the
 * native call on them has returned. Installed once per JVM (driver and executors) before any network is built.
 *
 * <p>Why: ND4J 1.0.0-M2 frees an array's native buffer from a deallocator thread once the Java {@code DataBuffer}
 * becomes unreachable. {@code NativeOpExecutioner} passes only the buffers' native handles to libnd4j, and its
 * Java frame does not use the op after the call starts, so the JIT may treat the op, and the arrays only it
 * holds, as dead during the call. A broadcast op ({@code addiRowVector}: every dense layer's bias) builds its
 * dimension array afresh for each call, and nothing else refers to it: a GC during the op lets the deallocator
 * delete that buffer while libnd4j reads it. That is the executor crash of 2026-11-28 (SIGSEGV in
 * {@code sd::DataBuffer::primary()} under {@code Nd4jCpu.execBroadcast}); a loop of {@code addiRowVector} with a
 * thread calling {@code System.gc()} reproduces it within seconds (see {@code FencedExecutionerTest}).
 *
 * <p>This handler holds the call's arguments in its own frame and fences them after the call, so the op, its
 * dimension array and its inputs and outputs outlive the native code that uses them. It is a dynamic proxy over
 * the interfaces of whatever executioner the backend made, so the CUDA backend is wrapped the same way.
 */
public final class FencedExecutioner implements InvocationHandler {
    private static final Object LOCK = new Object();
    private static volatile boolean installed;

    private final OpExecutioner target;

    private FencedExecutioner(OpExecutioner target) {
        this.target = target;
    }

    /**
     * Wraps {@code Nd4j.getExecutioner()} in this JVM, once; later calls return at once. Called where networks are
     * built ({@code NetworkFactory}) and where saved models are loaded, so it precedes every training or
     * inference op on the driver and on executors.
     */
    public static void install() {
        if (installed) {
            return;
        }
        synchronized (LOCK) {
            if (installed) {
                return;
            }
            OpExecutioner current = Nd4j.getExecutioner();
            if (!isFenced(current)) {
                replace(wrap(current));
            }
            installed = true;
        }
    }

    /** Whether {@code executioner} is one this class made. */
    public static boolean isFenced(OpExecutioner executioner) {
        return Proxy.isProxyClass(executioner.getClass())
                && Proxy.getInvocationHandler(executioner) instanceof FencedExecutioner;
    }

    static OpExecutioner wrap(OpExecutioner target) {
        Set<Class<?>> interfaces = new LinkedHashSet<>();
        for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
            addInterfaces(c, interfaces);
        }
        return (OpExecutioner) Proxy.newProxyInstance(OpExecutioner.class.getClassLoader(),
                interfaces.toArray(new Class<?>[0]), new FencedExecutioner(target));
    }

    private static void addInterfaces(Class<?> c, Set<Class<?>> into) {
        for (Class<?> i : c.getInterfaces()) {
            if (into.add(i)) {
                addInterfaces(i, into);
            }
        }
    }

    /**
     * NOTE: ND4J reads its executioner from a static field and offers no setter; every caller asks
     * {@code Nd4j.getExecutioner()} each time (no copy of it is cached), so replacing the field reaches them all.
     */
    private static void replace(OpExecutioner executioner) {
        try {
            Field field = Nd4j.class.getDeclaredField("OP_EXECUTIONER_INSTANCE");
            field.setAccessible(true);
            field.set(null, executioner);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot wrap ND4J's op executioner (Nd4j.OP_EXECUTIONER_INSTANCE): "
                    + e + "; check that the ND4J version is 1.0.0-M2", e);
        }
        if (Nd4j.getExecutioner() != executioner) {
            throw new IllegalStateException("ND4J's op executioner was not replaced; check that the ND4J version "
                    + "is 1.0.0-M2");
        }
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        } finally {
            // The args array refers to the op (which refers to its dimension array) and to every INDArray passed.
            Reference.reachabilityFence(args);
        }
    }
}
