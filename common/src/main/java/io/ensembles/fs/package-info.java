/**
 * Files through the Hadoop FileSystem API: URI qualification, atomic writes by rename, reads with
 * hashing, and the checks (symbolic links, permissions, space) every store and reader shares.
 */
package io.ensembles.fs;
