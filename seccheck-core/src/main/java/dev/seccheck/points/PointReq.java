package dev.seccheck.points;

import dev.seccheck.fields.FieldSet;

/** PointReq is one point a session enables, with the fields the session wants from it. */
public record PointReq(Point point, FieldSet fields) {}
