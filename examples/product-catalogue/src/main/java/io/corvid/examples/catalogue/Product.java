package io.corvid.examples.catalogue;

import java.math.BigDecimal;

/** A row of the products table; cached in Corvid as JSON, e.g. {@code {"id":123,"name":"Awesome Gadget","price":99.00}}. */
public record Product(long id, String name, BigDecimal price) {}
