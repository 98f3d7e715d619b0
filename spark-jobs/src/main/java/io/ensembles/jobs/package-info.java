/** The Spark jobs, one class each (training, evaluation), with the member task and the driver's progress monitor. */
package io.ensembles.jobs;
