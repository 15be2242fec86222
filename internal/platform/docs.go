package platform

// FieldUse is how one platform uses one field, for documentation: the
// provider's attribute descriptions are built from these, so a new
// platform documents itself.
type FieldUse struct {
	Type     Type
	Default  string
	Required bool
	// Doc says what the field is on this platform ("" when the attribute's
	// general description says it).
	Doc string
}

// FieldUses lists the platforms that take field, in registry order.
func FieldUses(field string) []FieldUse {
	var out []FieldUse
	for _, d := range registry {
		for _, f := range d.fields {
			if f.name == field {
				out = append(out, FieldUse{Type: d.typ, Default: f.def, Required: f.required, Doc: f.doc})
			}
		}
	}
	return out
}

// SecretUse is one platform's use of a secret attribute.
type SecretUse struct {
	Name     string
	Type     Type
	Required bool
	Doc      string
	// ChosenBy names the field that selects this secret instead of the
	// platform's usual one ("" for the usual one).
	ChosenBy string
}

// SecretUses lists every platform's secrets, in registry order.
func SecretUses() []SecretUse {
	var out []SecretUse
	for _, d := range registry {
		if d.secret.name != "" {
			out = append(out, SecretUse{Name: d.secret.name, Type: d.typ, Required: d.secret.required, Doc: d.secret.doc})
		}
		if a := d.altSecret; a != nil {
			out = append(out, SecretUse{Name: a.name, Type: d.typ, Required: a.required, Doc: a.doc, ChosenBy: a.field})
		}
	}
	return out
}
