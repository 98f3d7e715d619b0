package io.ensembles.model.grouped;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;

/** Layout checks the grouped layers make before viewing an array in another shape. */
final class Shapes {
    private Shapes() {}

    /** Whether {@code a} is laid out densely in C order, so that a reshape of it is a view. */
    static boolean contiguousC(INDArray a) {
        return a.ordering() == 'c' && Shape.hasDefaultStridesForShape(a);
    }
}
