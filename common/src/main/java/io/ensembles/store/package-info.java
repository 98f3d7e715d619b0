/**
 * The model store: atomic writes through the Hadoop FileSystem API, SHA-256 integrity, manifests,
 * member files, snapshots stored as members, and checkpoints.
 */
package io.ensembles.store;
