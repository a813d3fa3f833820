/**
 * The experiment service's wire contract, shared by the service and its clients (trainers,
 * inference, tools) so the two sides cannot drift apart. Records only; no entities.
 */
package dev.segplatform.experiment.api;
