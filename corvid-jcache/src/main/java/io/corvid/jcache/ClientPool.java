package io.corvid.jcache;

import io.corvid.client.ClientOptions;
import io.corvid.client.CorvidClient;
import java.util.HashMap;
import java.util.Map;

/**
 * One {@link CorvidClient} per distinct server list and credentials, shared by the cache managers
 * of one provider that use it (a client is thread-safe and multiplexes every caller onto one
 * connection per node) and closed when the last of them closes.
 */
final class ClientPool {
  private static final class Shared {
    final CorvidClient client;
    int users;

    Shared(CorvidClient client) {
      this.client = client;
    }
  }

  private final Map<String, Shared> clients = new HashMap<>();

  synchronized CorvidClient acquire(String[] seeds, String user, String password) {
    String id = String.join(",", seeds) + "|" + (user == null ? "" : user) + "|" + (password == null ? "" : Integer.toHexString(password.hashCode()));
    Shared s = clients.get(id);
    if (s == null) {
      ClientOptions.Builder options = ClientOptions.builder().clientName("corvid-jcache");
      if (password != null) {
        if (user != null) {
          options.credentials(user, password);
        } else {
          options.password(password);
        }
      }
      s = new Shared(CorvidClient.connect(options.build(), seeds));
      clients.put(id, s);
    }
    s.users++;
    return s.client;
  }

  synchronized void release(CorvidClient client) {
    for (Map.Entry<String, Shared> e : clients.entrySet()) {
      Shared s = e.getValue();
      if (s.client == client) {
        if (--s.users == 0) {
          clients.remove(e.getKey());
          client.close();
        }
        return;
      }
    }
  }
}
