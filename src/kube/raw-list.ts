// One page of a collection as the API's JSON, through the KubeConfig's own authentication and
// HTTP client, without client-node's model classes: the caches keep a few facts of each item
// (keep()), so building a typed model of every pod or HostEndpoint first would only cost memory
// and time. A failed answer throws client-node's ApiException, as the typed calls do.
import { ApiException, HttpMethod, IsomorphicFetchHttpLibrary, type KubeConfig, RequestContext } from '@kubernetes/client-node';
import type { ListPage } from './watch-cache.js';

const http = new IsomorphicFetchHttpLibrary();

export function rawLister(kc: KubeConfig, path: string, query: { labelSelector?: string } = {}): (page: { limit: number; continue?: string }) => Promise<ListPage> {
  return async (page) => {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('No currently active cluster');
    const url = new URL(cluster.server + path);
    if (query.labelSelector) url.searchParams.set('labelSelector', query.labelSelector);
    url.searchParams.set('limit', String(page.limit));
    if (page.continue) url.searchParams.set('continue', page.continue);
    const request = new RequestContext(url.toString(), HttpMethod.GET);
    request.setHeaderParam('Accept', 'application/json');
    await kc.applySecurityAuthentication(request);
    const response = await http.send(request).toPromise();
    const text = await response.body.text();
    if (response.httpStatusCode < 200 || response.httpStatusCode > 299) throw new ApiException(response.httpStatusCode, `list ${path}`, text, response.headers);
    return JSON.parse(text) as ListPage;
  };
}
