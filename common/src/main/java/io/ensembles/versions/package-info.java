/**
 * Versioned ensembles for scheduled retraining: the folder of versions and its {@code current.json}
 * pointer, the record each retraining run leaves in its version, and the rule that decides whether
 * a new version replaces the current one.
 */
package io.ensembles.versions;
