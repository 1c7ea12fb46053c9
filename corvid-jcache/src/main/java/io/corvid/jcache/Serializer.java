package io.corvid.jcache;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import javax.cache.CacheException;

/**
 * Store-by-value: keys and values go to Corvid as Java serialization bytes and come back as new
 * objects, deserialized with the cache manager's class loader. A key or value that is not
 * {@link Serializable} is refused with {@link IllegalArgumentException}, the exception the
 * specification names for a value the implementation cannot store.
 */
final class Serializer {
  private final ClassLoader classLoader;

  Serializer(ClassLoader classLoader) {
    this.classLoader = classLoader;
  }

  byte[] toBytes(Object o) {
    if (!(o instanceof Serializable)) {
      throw new IllegalArgumentException("corvid-jcache stores by value: " + o.getClass().getName() + " is not Serializable");
    }
    ByteArrayOutputStream bos = new ByteArrayOutputStream(64);
    try (ObjectOutputStream out = new ObjectOutputStream(bos)) {
      out.writeObject(o);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot serialize " + o.getClass().getName() + ": " + e, e);
    }
    return bos.toByteArray();
  }

  Object fromBytes(byte[] bytes, int offset) {
    try (ObjectInputStream in = new LoaderObjectInputStream(new ByteArrayInputStream(bytes, offset, bytes.length - offset), classLoader)) {
      return in.readObject();
    } catch (IOException | ClassNotFoundException e) {
      throw new CacheException("cannot deserialize a cached object: " + e, e);
    }
  }

  private static final class LoaderObjectInputStream extends ObjectInputStream {
    private final ClassLoader loader;

    LoaderObjectInputStream(InputStream in, ClassLoader loader) throws IOException {
      super(in);
      this.loader = loader;
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
      try {
        return Class.forName(desc.getName(), false, loader);
      } catch (ClassNotFoundException e) {
        return super.resolveClass(desc);
      }
    }
  }
}
