package org.sparkddp.worker.engine;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test class with oneDNN off ({@link EngineCompiler#ONEDNN_PROPERTY}), so that its networks compile the Java
 * kernels on the channel-major layout: a subclass of an equivalence test with this extension checks that path too.
 */
final class JavaKernels implements BeforeAllCallback, AfterAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
        System.setProperty(EngineCompiler.ONEDNN_PROPERTY, "false");
    }

    @Override
    public void afterAll(ExtensionContext context) {
        System.clearProperty(EngineCompiler.ONEDNN_PROPERTY);
    }
}
