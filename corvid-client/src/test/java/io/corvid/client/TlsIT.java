package io.corvid.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corvid.client.testing.RedisProcess;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TLS through Netty's SslHandler against redis-server's own TLS port, with a CA and a server
 * certificate (SAN IP:127.0.0.1) made by openssl for the test.
 */
class TlsIT {
  private static Path dir;

  @BeforeAll
  static void makeCertificates() throws Exception {
    dir = Files.createTempDirectory("corvid-client-tls-");
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=corvid-test-ca",
        "-keyout", "ca.key", "-out", "ca.crt");
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr");
    Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
        "-extfile", "san.ext", "-out", "server.crt");
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=someone-else",
        "-keyout", "other.key", "-out", "other.crt");
  }

  @Test
  void talksTlsToRedisAndRefusesAnUntrustedServer() throws Exception {
    int port = RedisProcess.freePort();
    try (RedisProcess redis = RedisProcess.startOn(port, "--port", "0", "--tls-port", String.valueOf(port),
        "--tls-cert-file", dir.resolve("server.crt").toString(), "--tls-key-file", dir.resolve("server.key").toString(),
        "--tls-ca-cert-file", dir.resolve("ca.crt").toString(), "--tls-auth-clients", "no")) {
      ClientOptions tls = ClientOptions.builder()
          .ssl(SslContextBuilder.forClient().trustManager(dir.resolve("ca.crt").toFile()).build())
          .build();
      try (CorvidClient client = CorvidClient.connect(tls, redis.address())) {
        client.sync().set("secret", "over tls");
        assertThat(client.sync().get("secret")).isEqualTo("over tls");
        assertThat(ConnectionIT.connection(client).protocol()).isEqualTo(3);
      }
      ClientOptions wrongCa = ClientOptions.builder()
          .ssl(SslContextBuilder.forClient().trustManager(dir.resolve("other.crt").toFile()).build())
          .commandTimeout(java.time.Duration.ofSeconds(5))
          .build();
      assertThatThrownBy(() -> CorvidClient.connect(wrongCa, redis.address())).isInstanceOf(ConnectException.class);
      ClientOptions plain = ClientOptions.builder().commandTimeout(java.time.Duration.ofSeconds(2))
          .connectTimeout(java.time.Duration.ofSeconds(2)).build();
      assertThatThrownBy(() -> CorvidClient.connect(plain, redis.address())).isInstanceOf(CorvidException.class);
    }
  }

  private static void openssl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }
}
