package org.sparkddp.driver.export;

import org.sparkddp.common.error.InvalidInputException;

/**
 * A network holds a layer, vertex or setting that the ONNX export cannot express exactly. The message is one line that
 * names the layer; the command exits with status 2 and writes nothing (an export never approximates a layer).
 */
public final class NotExportableException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    public NotExportableException(String layer, String what, String problem) {
        super("cannot export layer '" + layer + "' (" + what + ") to ONNX: " + problem);
    }
}
