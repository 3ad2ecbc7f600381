/**
 * The standalone page (`cargo xtask dev`, the browser test): the dashboard over the API on this
 * page's own origin. Locally `?producer=<id>` names the signed-in producer through the dev
 * header; the Backstage app does not use this file, it mounts `mountDashboard` with its own
 * client, which carries the user's JWT.
 */
import { createBackstageClient } from "@beatpass/backstage-client";
import { mountDashboard } from "./dashboard";
import "./styles.css";

const root = document.getElementById("app");
if (root) {
  const devProducerId = new URLSearchParams(location.search).get("producer");
  const client = createBackstageClient({
    baseUrl: location.origin,
    ...(devProducerId ? { devProducerId } : {}),
  });
  void mountDashboard(root, { client });
}
