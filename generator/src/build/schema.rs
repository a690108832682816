//! Schemas to types: every component schema becomes a named type, and so does every inline
//! schema that needs one (objects, string enums, multipart forms). Everything else becomes a
//! structural [`TypeRef`].

use std::collections::BTreeSet;

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, ReferenceOr, Schema, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use super::names::{camel, snake, Namespace};
use super::refs::component_key;
use super::Builder;
use crate::diagnostics::{pointer_token, unescape_token, Error};
use crate::model::{
    Constraints, EnumVariant, Field, Primitive, Struct, TypeDef, TypeKind, TypeRef, Union,
    UnionVariant, ADDITIONAL_FIELD, UNKNOWN_VARIANT,
};

/// An object's properties after `allOf` has been flattened.
#[derive(Default)]
struct ObjectShape<'a> {
    properties: IndexMap<String, (SchemaRef<'a>, String)>,
    required: BTreeSet<String>,
    additional: Option<(SchemaRef<'a>, String)>,
    /// `additionalProperties: true` (or a free-form object): any keys allowed.
    open: bool,
    description: Option<String>,
}

impl<'a> Builder<'a> {
    /// Names every component schema first, so that inline types never take a component's name.
    pub(super) fn claim_component_names(&mut self) {
        let Some(components) = &self.doc.components else {
            return;
        };
        for key in components.schemas.keys() {
            let name = self.type_names.claim(&camel(key));
            self.component_names.insert(key.clone(), name);
        }
    }

    pub(super) fn build_component_schemas(&mut self) -> Result<(), Error> {
        let Some(components) = &self.doc.components else {
            return Ok(());
        };
        for (key, schema) in &components.schemas {
            let name = self.component_names[key].clone();
            let pointer = format!("/components/schemas/{}", pointer_token(key));
            match schema {
                ReferenceOr::Reference { reference } => {
                    let target = self.schema_ref(reference, &pointer)?;
                    self.push_type(TypeDef {
                        name,
                        origin: pointer,
                        description: None,
                        kind: TypeKind::Alias(target),
                    });
                }
                ReferenceOr::Item(schema) => {
                    // A nullable alias holds the `null` itself; a nullable struct, enum or
                    // union is `Nullable` where it is referred to (`schema_ref`).
                    let nullable = schema.schema_data.nullable;
                    let kind = if let Some((index, part)) = sole_all_of_part(schema) {
                        TypeKind::Alias(nullable_if(
                            nullable,
                            self.type_ref(part, &name, &format!("{pointer}/allOf/{index}"))?,
                        ))
                    } else if needs_name(schema) {
                        self.named_kind(schema, &name, &pointer)?
                    } else {
                        // A primitive, array or map with a name of its own.
                        TypeKind::Alias(nullable_if(
                            nullable,
                            self.structural(schema, &name, &pointer)?,
                        ))
                    };
                    self.push_type(TypeDef {
                        name,
                        origin: pointer,
                        description: description_of(schema).cloned(),
                        kind,
                    });
                }
            }
        }
        Ok(())
    }

    /// The type of a schema in some position; `hint` is the name an inline type would get.
    pub(super) fn type_ref(
        &mut self,
        schema: impl Into<SchemaRef<'a>>,
        hint: &str,
        pointer: &str,
    ) -> Result<TypeRef, Error> {
        match schema.into() {
            SchemaRef::Reference(reference) => self.schema_ref(reference, pointer),
            SchemaRef::Item(schema) => self.inline_type_ref(schema, hint, pointer),
        }
    }

    /// An inline schema's type, `Nullable` when it says `nullable: true`.
    fn inline_type_ref(
        &mut self,
        schema: &'a Schema,
        hint: &str,
        pointer: &str,
    ) -> Result<TypeRef, Error> {
        let ty = self.non_null_type_ref(schema, hint, pointer)?;
        Ok(nullable_if(schema.schema_data.nullable, ty))
    }

    fn non_null_type_ref(
        &mut self,
        schema: &'a Schema,
        hint: &str,
        pointer: &str,
    ) -> Result<TypeRef, Error> {
        if let Some((index, part)) = sole_all_of_part(schema) {
            return self.type_ref(part, hint, &format!("{pointer}/allOf/{index}"));
        }
        if !needs_name(schema) {
            return self.structural(schema, hint, pointer);
        }
        // One schema, one type: an `allOf` that merges another schema's properties reuses
        // the inline types that schema already produced, and a schema that reaches itself
        // (through an `allOf` of its enclosing component, say) refers to its own type.
        if let Some(existing) = self.named_inline.get(pointer) {
            return Ok(TypeRef::Named(existing.clone()));
        }
        let name = self.type_names.claim(hint);
        self.named_inline.insert(pointer.to_owned(), name.clone());
        let kind = self.named_kind(schema, &name, pointer)?;
        self.push_type(TypeDef {
            name: name.clone(),
            origin: pointer.to_owned(),
            description: schema.schema_data.description.clone(),
            kind,
        });
        Ok(TypeRef::Named(name))
    }

    /// The kind of a type that [`needs_name`]: a string enum or a struct.
    fn named_kind(
        &mut self,
        schema: &'a Schema,
        name: &str,
        pointer: &str,
    ) -> Result<TypeKind, Error> {
        if let Some(values) = string_enum(schema) {
            return Ok(TypeKind::Enum(enum_variants(&values)));
        }
        if let Some((parts, keyword)) = union_parts(schema) {
            return self.union(schema, parts, keyword, name, pointer);
        }
        let mut shape = ObjectShape::default();
        self.collect_object(schema, pointer, &mut shape, 0)?;
        Ok(TypeKind::Struct(self.struct_from_shape(shape, name)?))
    }

    /// The fields of an object schema (after `allOf`), for a type named `name`.
    pub(super) fn object_fields(
        &mut self,
        schema: &'a Schema,
        name: &str,
        pointer: &str,
    ) -> Result<Vec<Field>, Error> {
        let mut shape = ObjectShape::default();
        self.collect_object(schema, pointer, &mut shape, 0)?;
        Ok(self.struct_from_shape(shape, name)?.fields)
    }

    /// A schema without a name of its own: primitives, arrays, maps, free-form values.
    fn structural(
        &mut self,
        schema: &'a Schema,
        hint: &str,
        pointer: &str,
    ) -> Result<TypeRef, Error> {
        Ok(match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => TypeRef::Primitive(match &s.format {
                VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Primitive::DateTime,
                VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Primitive::Date,
                VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => Primitive::File,
                _ => Primitive::String,
            }),
            SchemaKind::Type(Type::Integer(i)) => TypeRef::Primitive(match &i.format {
                VariantOrUnknownOrEmpty::Item(openapiv3::IntegerFormat::Int32) => {
                    Primitive::Integer32
                }
                _ => Primitive::Integer,
            }),
            SchemaKind::Type(Type::Number(_)) => TypeRef::Primitive(Primitive::Number),
            SchemaKind::Type(Type::Boolean(_)) => TypeRef::Primitive(Primitive::Boolean),
            SchemaKind::Type(Type::Array(array)) => {
                let item = match &array.items {
                    Some(items) => {
                        self.type_ref(items, &format!("{hint}Item"), &format!("{pointer}/items"))?
                    }
                    None => TypeRef::Primitive(Primitive::Any),
                };
                TypeRef::Array(Box::new(item))
            }
            SchemaKind::Type(Type::Object(object)) => match &object.additional_properties {
                Some(AdditionalProperties::Schema(value)) => {
                    TypeRef::Map(Box::new(self.type_ref(
                        &**value,
                        &format!("{hint}Value"),
                        &format!("{pointer}/additionalProperties"),
                    )?))
                }
                _ => TypeRef::Primitive(Primitive::Object),
            },
            SchemaKind::Any(any) if any.typ.as_deref() == Some("object") => {
                TypeRef::Primitive(Primitive::Object)
            }
            // A scalar type beside keywords of another (`type: string` with `properties`): the
            // declared type wins.
            SchemaKind::Any(any) if scalar_type(any).is_some() => {
                self.warn(
                    pointer,
                    &format!(
                        "`type: {}` beside keywords of another type (properties, items); the declared type wins",
                        any.typ.as_deref().unwrap_or_default()
                    ),
                );
                TypeRef::Primitive(scalar_type(any).unwrap_or(Primitive::Any))
            }
            SchemaKind::Not { .. } => {
                self.warn(
                    pointer,
                    "`not` is not modelled; the value is kept as untyped JSON",
                );
                TypeRef::Primitive(Primitive::Any)
            }
            _ => TypeRef::Primitive(Primitive::Any),
        })
    }

    /// The variants of a `oneOf`/`anyOf` named `name`: each part's type, named after the
    /// schema it refers to, or after its own type when inline.
    fn union(
        &mut self,
        schema: &'a Schema,
        parts: &'a [ReferenceOr<Schema>],
        keyword: &str,
        name: &str,
        pointer: &str,
    ) -> Result<TypeKind, Error> {
        let discriminator = schema.schema_data.discriminator.as_ref();
        let mut names = Namespace::new();
        names.reserve(UNKNOWN_VARIANT);
        let mut variants = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            let part_pointer = format!("{pointer}/{keyword}/{i}");
            let ty = self.type_ref(part, &format!("{name}Variant{}", i + 1), &part_pointer)?;
            let (label, tags) = match part {
                ReferenceOr::Reference { reference } => {
                    let key = component_key(reference, "schemas").unwrap_or_default();
                    // The mapping's keys that name this schema; by default, its name.
                    let mapped: Vec<String> = discriminator
                        .map(|d| {
                            d.mapping
                                .iter()
                                .filter(|(_, target)| {
                                    *target == reference
                                        || component_key(target, "schemas").as_deref() == Some(&key)
                                        || **target == key
                                })
                                .map(|(tag, _)| tag.clone())
                                .collect()
                        })
                        .unwrap_or_default();
                    let tags = match discriminator {
                        None => Vec::new(),
                        Some(_) if mapped.is_empty() => vec![key.clone()],
                        Some(_) => mapped,
                    };
                    (camel(&key), tags)
                }
                // An inline part's own type is named after the union: `PetVariant1` is `Variant1`.
                ReferenceOr::Item(_) => {
                    let label = variant_label(&ty, i);
                    let label = match label.strip_prefix(name) {
                        Some(rest) if !rest.is_empty() => rest.to_owned(),
                        _ => label,
                    };
                    (label, Vec::new())
                }
            };
            variants.push(UnionVariant {
                rust_name: names.claim(&label),
                ty,
                tags,
                boxed: false,
            });
        }
        Ok(TypeKind::Union(Union {
            variants,
            discriminator: discriminator.map(|d| d.property_name.clone()),
        }))
    }

    /// Flattens `allOf` (through references) into one set of properties.
    fn collect_object(
        &mut self,
        schema: &'a Schema,
        pointer: &str,
        shape: &mut ObjectShape<'a>,
        depth: usize,
    ) -> Result<(), Error> {
        if depth > 32 {
            return Err(self.invalid(pointer, "allOf nests more than 32 levels (a cycle?)"));
        }
        if shape.description.is_none() {
            shape.description = schema.schema_data.description.clone();
        }
        let (properties, required, additional) = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => {
                (&o.properties, &o.required, &o.additional_properties)
            }
            SchemaKind::Any(any) => {
                for (i, part) in any.all_of.iter().enumerate() {
                    let part_pointer = format!("{pointer}/allOf/{i}");
                    let (part, part_pointer) = self.resolve_schema(part, &part_pointer)?;
                    self.collect_object(part, &part_pointer, shape, depth + 1)?;
                }
                (&any.properties, &any.required, &any.additional_properties)
            }
            SchemaKind::AllOf { all_of } => {
                for (i, part) in all_of.iter().enumerate() {
                    let part_pointer = format!("{pointer}/allOf/{i}");
                    let (part, part_pointer) = self.resolve_schema(part, &part_pointer)?;
                    self.collect_object(part, &part_pointer, shape, depth + 1)?;
                }
                return Ok(());
            }
            _ => {
                self.warn(pointer, "allOf part is not an object; ignored");
                return Ok(());
            }
        };
        for (name, property) in properties {
            let property_pointer = format!("{pointer}/properties/{}", pointer_token(name));
            shape
                .properties
                .insert(name.clone(), (property.into(), property_pointer));
        }
        shape.required.extend(required.iter().cloned());
        match additional {
            Some(AdditionalProperties::Schema(value)) => {
                shape.additional =
                    Some(((&**value).into(), format!("{pointer}/additionalProperties")));
            }
            Some(AdditionalProperties::Any(true)) => shape.open = true,
            _ => {}
        }
        Ok(())
    }

    fn struct_from_shape(&mut self, shape: ObjectShape<'a>, name: &str) -> Result<Struct, Error> {
        let mut field_names = Namespace::new();
        field_names.reserve(ADDITIONAL_FIELD);
        let mut fields = Vec::with_capacity(shape.properties.len());
        for (wire_name, (schema, pointer)) in &shape.properties {
            // Inline types are named after the schema that declares the property, which for
            // merged `allOf` parts is not the struct being built.
            let owner = self.owner_name(pointer).unwrap_or_else(|| name.to_owned());
            let hint = format!("{owner}{}", camel(wire_name));
            // A field's `null` is its own `Option` (`nullable` below), not its type's.
            let (ty, nullable) = match self.type_ref(*schema, &hint, pointer)? {
                TypeRef::Nullable(inner) => (*inner, true),
                ty => (ty, false),
            };
            let data = match schema {
                SchemaRef::Item(s) => Some(&s.schema_data),
                SchemaRef::Reference(_) => None,
            };
            let default = data
                .and_then(|d| d.default.as_ref())
                .and_then(|value| self.checked_default(&ty, value, pointer));
            fields.push(Field {
                name: wire_name.clone(),
                rust_name: field_names.claim(&snake(wire_name)),
                ty,
                required: shape.required.contains(wire_name),
                nullable,
                boxed: false,
                description: match schema {
                    SchemaRef::Item(s) => description_of(s).cloned(),
                    SchemaRef::Reference(_) => None,
                },
                default,
                constraints: self.constraints(*schema),
            });
        }
        // Properties the document does not declare are kept whatever it says, so that a value
        // read and sent back loses nothing a newer server added.
        let additional = match shape.additional {
            Some((schema, pointer)) => self.type_ref(schema, &format!("{name}Value"), &pointer)?,
            None => TypeRef::Primitive(Primitive::Any),
        };
        Ok(Struct {
            fields,
            additional,
            named_new: None,
        })
    }

    /// What `schema` says of a value beyond its type. A `$ref` is followed when it names a
    /// plain string, number or array (an alias); a named object or enum documents itself.
    pub(super) fn constraints(&self, schema: SchemaRef<'a>) -> Constraints {
        use openapiv3::{SchemaKind, Type, VariantOrUnknownOrEmpty};
        let schema = match schema {
            SchemaRef::Item(schema) => schema,
            SchemaRef::Reference(reference) => match self.plain_target(reference) {
                Some(schema) => schema,
                None => return Constraints::default(),
            },
        };
        fn format<T>(
            format: &VariantOrUnknownOrEmpty<T>,
            name: fn(&T) -> &'static str,
        ) -> Option<String> {
            match format {
                VariantOrUnknownOrEmpty::Item(item) => Some(name(item).to_owned()),
                VariantOrUnknownOrEmpty::Unknown(text) => Some(text.clone()),
                VariantOrUnknownOrEmpty::Empty => None,
            }
        }
        let mut constraints = Constraints {
            example: schema.schema_data.example.clone(),
            ..Constraints::default()
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) if s.enumeration.is_empty() => {
                constraints.format = format(&s.format, string_format);
                constraints.min_length = s.min_length;
                constraints.max_length = s.max_length;
                constraints.pattern = s.pattern.clone();
            }
            SchemaKind::Type(Type::Integer(i)) => {
                constraints.format = format(&i.format, integer_format);
                constraints.minimum = i.minimum.map(|m| m as f64);
                constraints.maximum = i.maximum.map(|m| m as f64);
                constraints.exclusive_minimum = i.exclusive_minimum;
                constraints.exclusive_maximum = i.exclusive_maximum;
            }
            SchemaKind::Type(Type::Number(n)) => {
                constraints.format = format(&n.format, number_format);
                constraints.minimum = n.minimum;
                constraints.maximum = n.maximum;
                constraints.exclusive_minimum = n.exclusive_minimum;
                constraints.exclusive_maximum = n.exclusive_maximum;
            }
            SchemaKind::Type(Type::Array(a)) => {
                constraints.min_items = a.min_items;
                constraints.max_items = a.max_items;
            }
            _ => {}
        }
        constraints
    }

    /// The schema `reference` names (through further `$ref`s, a bounded number), when it is a
    /// plain string, number, integer or array.
    fn plain_target(&self, reference: &str) -> Option<&'a Schema> {
        use openapiv3::{SchemaKind, Type};
        let mut reference = reference.to_owned();
        for _ in 0..32 {
            let key = component_key(&reference, "schemas")?;
            match self.doc.components.as_ref()?.schemas.get(&key)? {
                ReferenceOr::Reference { reference: next } => reference = next.clone(),
                ReferenceOr::Item(schema) => {
                    return match &schema.schema_kind {
                        SchemaKind::Type(Type::String(s)) if s.enumeration.is_empty() => {
                            Some(schema)
                        }
                        SchemaKind::Type(Type::Integer(_) | Type::Number(_) | Type::Array(_)) => {
                            Some(schema)
                        }
                        _ => None,
                    }
                }
            }
        }
        None
    }

    /// The values of the enum type `name`, whether or not it has been built yet.
    fn enum_values(&self, name: &str) -> Option<Vec<String>> {
        if let Some(def) = self.types.iter().find(|t| t.name == name) {
            return match &def.kind {
                TypeKind::Enum(variants) => {
                    Some(variants.iter().map(|v| v.value.clone()).collect())
                }
                _ => None,
            };
        }
        let key = self
            .component_names
            .iter()
            .find(|(_, rust)| *rust == name)
            .map(|(key, _)| key)?;
        match self.doc.components.as_ref()?.schemas.get(key)? {
            ReferenceOr::Item(schema) => string_enum(schema),
            ReferenceOr::Reference { .. } => None,
        }
    }

    /// The Rust name of the component schema a pointer lies in, if it lies in one.
    fn owner_name(&self, pointer: &str) -> Option<String> {
        let rest = pointer.strip_prefix("/components/schemas/")?;
        let token = rest.split('/').next()?;
        self.component_names.get(&unescape_token(token)).cloned()
    }

    /// The document's default, if it is a valid value of `ty`; otherwise a warning.
    pub(super) fn checked_default(
        &mut self,
        ty: &TypeRef,
        value: &Value,
        pointer: &str,
    ) -> Option<Value> {
        match self.default_problem(ty, value) {
            None => Some(value.clone()),
            Some(problem) => {
                self.warn(
                    &format!("{pointer}/default"),
                    &format!("default {value} dropped: {problem}"),
                );
                None
            }
        }
    }

    fn default_problem(&self, ty: &TypeRef, value: &Value) -> Option<String> {
        let ok = match ty {
            TypeRef::Primitive(p) => match p {
                Primitive::String | Primitive::File => value.is_string(),
                Primitive::Integer | Primitive::Integer32 => value.is_i64() || value.is_u64(),
                Primitive::Number => value.is_number(),
                Primitive::Boolean => value.is_boolean(),
                Primitive::DateTime => {
                    return match value.as_str() {
                        Some(s) if is_rfc3339_date_time(s) => None,
                        Some(_) => Some("not an RFC 3339 date-time with a UTC offset".into()),
                        None => Some("not a string".into()),
                    }
                }
                Primitive::Date => value.as_str().is_some_and(is_rfc3339_date),
                Primitive::Any => true,
                Primitive::Object => value.is_object(),
            },
            TypeRef::Array(_) => value.is_array(),
            TypeRef::Map(_) => value.is_object(),
            TypeRef::Nullable(inner) => {
                return if value.is_null() {
                    None
                } else {
                    self.default_problem(inner, value)
                }
            }
            TypeRef::Named(name) => match self.enum_values(name) {
                Some(values) => {
                    return match value.as_str() {
                        Some(s) if values.iter().any(|v| v == s) => None,
                        _ => Some(format!("not one of the enum's values {values:?}")),
                    }
                }
                None => true,
            },
        };
        (!ok).then(|| format!("not a valid {}", describe(ty)))
    }

    /// A `$ref` to a component schema, as a type.
    fn schema_ref(&mut self, reference: &str, pointer: &str) -> Result<TypeRef, Error> {
        let key = component_key(reference, "schemas")
            .ok_or_else(|| self.invalid(pointer, &format!("unsupported $ref {reference:?}")))?;
        let name = self
            .component_names
            .get(&key)
            .map(|name| TypeRef::Named(name.clone()))
            .ok_or_else(|| self.invalid(pointer, &format!("$ref {reference:?} names no schema")))?;
        let target = self
            .doc
            .components
            .as_ref()
            .and_then(|c| c.schemas.get(&key));
        let nullable_named = matches!(
            target,
            Some(ReferenceOr::Item(schema))
                if schema.schema_data.nullable && needs_name(schema) && sole_all_of_part(schema).is_none()
        );
        Ok(nullable_if(nullable_named, name))
    }

    /// Follows `$ref`s to the schema they name (with its pointer), for `allOf` merging.
    pub(super) fn resolve_schema(
        &self,
        schema: &'a ReferenceOr<Schema>,
        pointer: &str,
    ) -> Result<(&'a Schema, String), Error> {
        let resolved = self.resolve(schema, &super::refs::SCHEMAS, pointer)?;
        Ok((resolved.item, resolved.pointer))
    }
}

/// A borrowed schema position: `openapiv3` boxes property schemas but not others, so this gives
/// both one shape.
#[derive(Clone, Copy)]
pub(super) enum SchemaRef<'a> {
    Reference(&'a str),
    Item(&'a Schema),
}

impl<'a> From<&'a ReferenceOr<Schema>> for SchemaRef<'a> {
    fn from(schema: &'a ReferenceOr<Schema>) -> Self {
        match schema {
            ReferenceOr::Reference { reference } => SchemaRef::Reference(reference),
            ReferenceOr::Item(schema) => SchemaRef::Item(schema),
        }
    }
}

impl<'a> From<&'a ReferenceOr<Box<Schema>>> for SchemaRef<'a> {
    fn from(schema: &'a ReferenceOr<Box<Schema>>) -> Self {
        match schema {
            ReferenceOr::Reference { reference } => SchemaRef::Reference(reference),
            ReferenceOr::Item(schema) => SchemaRef::Item(schema),
        }
    }
}

/// `ty`, or `ty` or `null` when `nullable`.
fn nullable_if(nullable: bool, ty: TypeRef) -> TypeRef {
    match ty {
        TypeRef::Nullable(_) => ty,
        ty if nullable => TypeRef::Nullable(Box::new(ty)),
        ty => ty,
    }
}

/// The one part of an `allOf` that decides its shape, with its index, when the schema adds
/// nothing else (`allOf: [{$ref: X}]`, a common way to put a description beside a reference):
/// the schema is that part, whatever its type, not a copy. Parts that only describe
/// (`allOf: [{description: …}, {anyOf: […]}]`) do not count: a union beside them stays a
/// union, not an empty struct.
fn sole_all_of_part(schema: &Schema) -> Option<(usize, &ReferenceOr<Schema>)> {
    let parts = match &schema.schema_kind {
        SchemaKind::AllOf { all_of } => all_of,
        // Nothing beside the `allOf` (an `enum` or a bound there must hold too).
        SchemaKind::Any(any)
            if openapiv3::AnySchema {
                all_of: Vec::new(),
                ..any.clone()
            } == openapiv3::AnySchema::default() =>
        {
            &any.all_of
        }
        _ => return None,
    };
    let mut shaping = parts
        .iter()
        .enumerate()
        .filter(|(_, part)| !only_describes(part));
    match (shaping.next(), shaping.next()) {
        (Some(sole), None) => Some(sole),
        // Every part only describes: the schema is any value, as its first part says.
        (None, None) => parts.first().map(|part| (0, part)),
        _ => None,
    }
}

/// A schema's description, or that of an `allOf` part that only describes.
fn description_of(schema: &Schema) -> Option<&String> {
    let parts = match &schema.schema_kind {
        SchemaKind::AllOf { all_of } => all_of.as_slice(),
        SchemaKind::Any(any) => any.all_of.as_slice(),
        _ => &[],
    };
    schema.schema_data.description.as_ref().or_else(|| {
        parts.iter().find_map(|part| match part {
            ReferenceOr::Item(part) if only_describes_schema(part) => {
                part.schema_data.description.as_ref()
            }
            _ => None,
        })
    })
}

/// A schema with no keyword that constrains a value (a description, a title, an example):
/// as a part of an `allOf`, it says nothing about the shape.
fn only_describes(part: &ReferenceOr<Schema>) -> bool {
    matches!(part, ReferenceOr::Item(schema) if only_describes_schema(schema))
}

fn only_describes_schema(schema: &Schema) -> bool {
    !schema.schema_data.nullable
        && schema.schema_data.discriminator.is_none()
        && matches!(&schema.schema_kind, SchemaKind::Any(any) if *any == openapiv3::AnySchema::default())
}

/// The parts of a `oneOf` or `anyOf` that is nothing else, and which keyword it is.
fn union_parts(schema: &Schema) -> Option<(&[ReferenceOr<Schema>], &'static str)> {
    match &schema.schema_kind {
        SchemaKind::OneOf { one_of } if !one_of.is_empty() => Some((one_of, "oneOf")),
        SchemaKind::AnyOf { any_of } if !any_of.is_empty() => Some((any_of, "anyOf")),
        _ => None,
    }
}

/// A variant's name from its type, for inline parts: `String`, `Integer`, `Array`, …
fn variant_label(ty: &TypeRef, index: usize) -> String {
    match ty {
        TypeRef::Named(name) => name.clone(),
        TypeRef::Array(_) => "Array".into(),
        TypeRef::Map(_) => "Map".into(),
        TypeRef::Nullable(inner) => variant_label(inner, index),
        TypeRef::Primitive(p) => match p {
            Primitive::String | Primitive::File => "String".into(),
            Primitive::Integer | Primitive::Integer32 => "Integer".into(),
            Primitive::Number => "Number".into(),
            Primitive::Boolean => "Boolean".into(),
            Primitive::DateTime => "DateTime".into(),
            Primitive::Date => "Date".into(),
            Primitive::Object => "Object".into(),
            Primitive::Any => format!("Variant{}", index + 1),
        },
    }
}

/// Whether an inline schema becomes a named type: string enums, objects with properties, and
/// unions.
fn needs_name(schema: &Schema) -> bool {
    if string_enum(schema).is_some() {
        return true;
    }
    if union_parts(schema).is_some() {
        return true;
    }
    match &schema.schema_kind {
        SchemaKind::AllOf { .. } => true,
        SchemaKind::Type(Type::Object(object)) => !object.properties.is_empty(),
        SchemaKind::Any(any) => {
            scalar_type(any).is_none() && (!any.properties.is_empty() || !any.all_of.is_empty())
        }
        _ => false,
    }
}

/// The primitive a schema `openapiv3` could not read as one type declares with `type` (a
/// scalar type beside another type's keywords), if it declares a scalar one.
fn scalar_type(any: &openapiv3::AnySchema) -> Option<Primitive> {
    let format = any.format.as_deref();
    Some(match any.typ.as_deref()? {
        "string" => match format {
            Some("date-time") => Primitive::DateTime,
            Some("date") => Primitive::Date,
            _ => Primitive::String,
        },
        "integer" if format == Some("int32") => Primitive::Integer32,
        "integer" => Primitive::Integer,
        "number" => Primitive::Number,
        "boolean" => Primitive::Boolean,
        _ => return None,
    })
}

/// The values of a string enum (`null` entries, for nullable enums, are left out).
fn string_enum(schema: &Schema) -> Option<Vec<String>> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
            Some(s.enumeration.iter().flatten().cloned().collect())
        }
        _ => None,
    }
}

fn enum_variants(values: &[String]) -> Vec<EnumVariant> {
    let mut names = Namespace::new();
    names.reserve(UNKNOWN_VARIANT);
    let mut seen = BTreeSet::new();
    values
        .iter()
        .filter(|v| seen.insert(v.as_str()))
        .map(|value| EnumVariant {
            value: value.clone(),
            rust_name: names.claim(&camel(value)),
        })
        .collect()
}

fn describe(ty: &TypeRef) -> &'static str {
    match ty {
        TypeRef::Primitive(Primitive::String | Primitive::File) => "string",
        TypeRef::Primitive(Primitive::Integer | Primitive::Integer32) => "integer",
        TypeRef::Primitive(Primitive::Number) => "number",
        TypeRef::Primitive(Primitive::Boolean) => "boolean",
        TypeRef::Primitive(Primitive::DateTime) => "date-time",
        TypeRef::Primitive(Primitive::Date) => "date",
        TypeRef::Primitive(Primitive::Object) | TypeRef::Map(_) => "object",
        TypeRef::Array(_) => "array",
        TypeRef::Nullable(inner) => describe(inner),
        TypeRef::Primitive(Primitive::Any) | TypeRef::Named(_) => "value",
    }
}

/// RFC 3339 `date-time`: a full date, `T`, a time, and a UTC offset (`Z` or `±hh:mm`).
pub fn is_rfc3339_date_time(s: &str) -> bool {
    let Some((date, time)) = s.split_once(['T', 't']) else {
        return false;
    };
    if !is_rfc3339_date(date) {
        return false;
    }
    let (clock, offset_ok) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        (clock, true)
    } else if let Some(i) = time.rfind(['+', '-']) {
        let offset = &time[i + 1..];
        (&time[..i], digits_like(offset, "dd:dd"))
    } else {
        (time, false)
    };
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, fraction)) => (
            hms,
            !fraction.is_empty() && fraction.bytes().all(|b| b.is_ascii_digit()),
        ),
        None => (clock, true),
    };
    offset_ok && fraction && digits_like(hms, "dd:dd:dd")
}

pub fn is_rfc3339_date(s: &str) -> bool {
    digits_like(s, "dddd-dd-dd")
}

fn digits_like(s: &str, pattern: &str) -> bool {
    s.len() == pattern.len()
        && s.bytes().zip(pattern.bytes()).all(|(c, p)| match p {
            b'd' => c.is_ascii_digit(),
            _ => c == p,
        })
}

fn string_format(format: &openapiv3::StringFormat) -> &'static str {
    use openapiv3::StringFormat::*;
    match format {
        Date => "date",
        DateTime => "date-time",
        Password => "password",
        Byte => "byte",
        Binary => "binary",
    }
}

fn integer_format(format: &openapiv3::IntegerFormat) -> &'static str {
    match format {
        openapiv3::IntegerFormat::Int32 => "int32",
        openapiv3::IntegerFormat::Int64 => "int64",
    }
}

fn number_format(format: &openapiv3::NumberFormat) -> &'static str {
    match format {
        openapiv3::NumberFormat::Float => "float",
        openapiv3::NumberFormat::Double => "double",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_need_an_offset() {
        assert!(is_rfc3339_date_time("2023-02-28T08:47:25.215200Z"));
        assert!(is_rfc3339_date_time("2023-02-28T08:47:25+01:00"));
        assert!(!is_rfc3339_date_time("2023-02-28T08:47:25.215200"));
        assert!(!is_rfc3339_date_time("2023-02-28"));
        assert!(!is_rfc3339_date_time("2023-02-28T08:47:25."));
    }

    #[test]
    fn enum_variants_keep_room_for_unknown_values() {
        let variants = enum_variants(&["unknown".into(), "a-b".into(), "a-b".into()]);
        let names: Vec<_> = variants.iter().map(|v| v.rust_name.as_str()).collect();
        assert_eq!(names, ["Unknown2", "AB"]);
    }

    #[test]
    fn component_keys_unescape() {
        assert_eq!(
            component_key("#/components/schemas/A~1B", "schemas").as_deref(),
            Some("A/B")
        );
        assert_eq!(component_key("other.yaml#/X", "schemas"), None);
    }
}
