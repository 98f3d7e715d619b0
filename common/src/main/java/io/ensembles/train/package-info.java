/** Training one member: the trainer, its epoch checkpoints, listeners and native thread limits. Spark-free. */
package io.ensembles.train;
