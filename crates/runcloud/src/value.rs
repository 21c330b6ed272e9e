//! A picture of a PHP value without the PHP engine: what the configuration and option
//! parsers read, and what the PHP binding builds results from. The binding (`src/convert.rs`
//! at the repository root) converts it to and from real zvals.

/// A PHP value as the extension reads or returns it. Arrays keep their key order.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// A PHP list (`[a, b]`).
    List(Vec<Value>),
    /// A PHP array with keys, in insertion order. Integer keys are kept as their decimal text.
    Map(Vec<(String, Value)>),
    /// Anything we never accept (objects, resources, closures): the PHP type name.
    Other(&'static str),
}

impl Value {
    pub fn map(entries: Vec<(&str, Value)>) -> Value {
        Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }

    /// The entry `key` of a map (`None` for lists and scalars).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The PHP type name, for messages ("expected bool, got string").
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::List(_) | Value::Map(_) => "array",
            Value::Other(t) => t,
        }
    }

    /// The elements of a list, or the values of a map (PHP arrays given as "lists").
    pub fn items(&self) -> Option<Vec<&Value>> {
        match self {
            Value::List(items) => Some(items.iter().collect()),
            Value::Map(entries) => Some(entries.iter().map(|(_, v)| v).collect()),
            _ => None,
        }
    }
}
