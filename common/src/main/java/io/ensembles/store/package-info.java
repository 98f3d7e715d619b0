/**
 * The model store: manifests, a member's epoch checkpoints ({@link io.ensembles.store.MemberCheckpoints}),
 * the commit protocol that makes exactly one copy of a finished member final
 * ({@link io.ensembles.store.MemberCommit}), verified loading ({@link io.ensembles.store.VerifiedModels}),
 * snapshots stored as members, and the member files' format ({@link io.ensembles.store.ModelIO}).
 */
package io.ensembles.store;
