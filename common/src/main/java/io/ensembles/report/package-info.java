/** Evaluation reports: per-member, mean-member and ensemble-size rows, as a console table and JSON. */
package io.ensembles.report;
