/**
 * OpenShift platform releases: the update graph (client, saved graphs, model), version selection per
 * channel and across channels (pure, as the original decides), the upgrade-path check, reading release
 * payloads (`release-manifests/` streamed out of the layers), release signatures (fetch, OpenPGP
 * verification, the signature ConfigMap), the graph-data image and UpdateService, destination naming of
 * release images, and the data behind `list releases`.
 *
 * Does not own: copying images (transfer), choosing stores or writing `cluster-resources/` files
 * (workflow), configuration parsing (config), CLI output (cli).
 * @module
 */
export * from "./update_graph.ts";
export * from "./update_graph_client.ts";
export * from "./saved_graph_source.ts";
export * from "./select_releases.ts";
export * from "./select_releases_across_channels.ts";
export * from "./select_releases_from_source.ts";
export * from "./verify_upgrade_paths.ts";
export * from "./list_releases.ts";
export * from "./release_manifests.ts";
export * from "./release_payload.ts";
export * from "./fetch_release_signatures.ts";
export * from "./verify_release_signature.ts";
export * from "./red_hat_release_key.ts";
export * from "./signature_config_map.ts";
export * from "./release_destinations.ts";
export * from "./graph_image.ts";
export * from "./update_service_resource.ts";
