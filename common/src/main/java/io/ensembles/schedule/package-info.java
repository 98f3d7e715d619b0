/** Learning-rate schedules updated every iteration, and their adapter to DL4J's updaters. */
package io.ensembles.schedule;
