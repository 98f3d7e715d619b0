/** The job configuration: HOCON over bundled defaults, typed and validated before anything runs. */
package io.ensembles.config;
