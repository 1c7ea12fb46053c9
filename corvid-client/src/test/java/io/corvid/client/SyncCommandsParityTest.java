package io.corvid.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Keeps the blocking facade in step with the asynchronous implementation. */
class SyncCommandsParityTest {
  @Test
  void everyAsyncCommandHasASyncTwinWithTheSameParametersAndTheUnwrappedResult() throws Exception {
    List<Method> async = publicMethods(AsyncCommands.class);
    assertThat(async).hasSizeGreaterThan(15);
    for (Method a : async) {
      assertThat(a.getReturnType()).as(a.toString()).isEqualTo(CompletableFuture.class);
      Method s = SyncCommands.class.getMethod(a.getName(), a.getParameterTypes());
      Type inner = ((ParameterizedType) a.getGenericReturnType()).getActualTypeArguments()[0];
      if (inner == Void.class) {
        assertThat(s.getReturnType()).as(s.toString()).isEqualTo(void.class);
      } else {
        assertThat(s.getGenericReturnType()).as(s.toString()).isEqualTo(inner);
      }
    }
  }

  @Test
  void theSyncFacadeHasNothingTheAsyncApiLacks() {
    List<String> async = signatures(AsyncCommands.class);
    List<String> sync = signatures(SyncCommands.class);
    assertThat(sync).containsExactlyInAnyOrderElementsOf(async);
  }

  private static List<Method> publicMethods(Class<?> c) {
    return Arrays.stream(c.getDeclaredMethods())
        .filter(m -> Modifier.isPublic(m.getModifiers()) && !m.isSynthetic())
        .collect(Collectors.toList());
  }

  private static List<String> signatures(Class<?> c) {
    return publicMethods(c).stream()
        .map(m -> m.getName() + Arrays.toString(m.getParameterTypes()))
        .collect(Collectors.toList());
  }
}
