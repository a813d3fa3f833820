/** The platform's ML library: data, networks, metrics, bundles and the predictor. */
package dev.segplatform.core;
