package io.corvid.server.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real Corvid node ({@link ServerProcess}) for all the tests of a class, started before the
 * first and stopped after the last:
 *
 * <pre>{@code
 * @RegisterExtension static final NodePerClass corvid = new NodePerClass();
 * ... CorvidClient.connect(corvid.address()) ...
 * }</pre>
 */
public final class NodePerClass implements BeforeAllCallback, AfterAllCallback {
  private final String[] options;
  private ServerProcess node;

  /** @param options extra server options, as for {@link ServerProcess#start(String...)} */
  public NodePerClass(String... options) {
    this.options = options.clone();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    node = ServerProcess.start(options);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (node != null) {
      node.close();
    }
  }

  public ServerProcess node() {
    return node;
  }

  public String host() {
    return node.host();
  }

  public int port() {
    return node.port();
  }

  /** "host:port", as clients take it. */
  public String address() {
    return node.host() + ":" + node.port();
  }
}
