/**
 * Evaluation reports: per-member, mean-member and ensemble-size rows, OOD detection, distribution
 * shift and side-by-side comparison with DEE, as console tables, JSON and an HTML page with charts.
 */
package io.ensembles.report;
