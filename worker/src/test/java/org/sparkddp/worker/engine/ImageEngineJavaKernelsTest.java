package org.sparkddp.worker.engine;

import org.junit.jupiter.api.extension.ExtendWith;

/** {@link ImageEngineTest}'s checks on the Java kernels (channel-major), where oneDNN is off or not available. */
@ExtendWith(JavaKernels.class)
class ImageEngineJavaKernelsTest extends ImageEngineTest {
}
