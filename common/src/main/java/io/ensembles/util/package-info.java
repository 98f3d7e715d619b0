/** Small shared helpers: the build's code version. */
package io.ensembles.util;
