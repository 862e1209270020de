// What every page needs first, as Temporal's UI loads it: the UI server's settings (no auth here; the codec
// endpoint), the cluster and system info, and the namespaces.
import { fetchCluster, fetchSystemInfo } from '@temporalio/ui/services/cluster-service';
import { fetchNamespaces } from '@temporalio/ui/services/namespaces-service';
import { fetchSettings } from '@temporalio/ui/services/settings-service';
import '../../app.css';

export const load = async ({ fetch }: { fetch: typeof globalThis.fetch }) => {
  const settings = await fetchSettings(fetch);
  void fetchNamespaces(settings, fetch);
  const [cluster, systemInfo] = await Promise.all([fetchCluster(settings, fetch), fetchSystemInfo(settings, fetch)]);
  return { settings, cluster, systemInfo };
};
