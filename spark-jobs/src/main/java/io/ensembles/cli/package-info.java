/** The command line: picocli commands that validate input before Spark starts, and the launcher that starts Spark. */
package io.ensembles.cli;
