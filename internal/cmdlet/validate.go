package cmdlet

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// mandatoryAnywhere reports whether p is mandatory in some set.
func (p *Param) mandatoryAnywhere() bool {
	if len(p.Sets) == 0 {
		return p.Mandatory
	}
	for _, s := range p.Sets {
		if s.Mandatory {
			return true
		}
	}
	return false
}

// notNullMsg is the NotNullOrEmpty failure text for parameter name; it
// is formatted only when validation fails, since every bound value is
// validated.
func notNullMsg(name string) string {
	return fmt.Sprintf("Cannot validate argument on parameter '%s'. The argument is null or empty. Provide an argument that is not null or empty, and then try the command again.", name)
}

// validate applies the declared validation attributes and PowerShell's
// implicit null/empty checks for mandatory parameters to a converted value.
func validate(c *Cmdlet, p *Param, x any) *BindError {
	if x == nil {
		if p.NotNullOrEmpty {
			return validationErr(c, "ParameterArgumentValidationError", p.Name, notNullMsg(p.Name))
		}
		if p.mandatoryAnywhere() {
			return validationErr(c, "ParameterArgumentValidationErrorNullNotAllowed", p.Name,
				fmt.Sprintf("Cannot bind argument to parameter '%s' because it is null.", p.Name))
		}
		return nil
	}
	switch v := x.(type) {
	case string:
		if v == "" {
			if p.NotNullOrEmpty {
				return validationErr(c, "ParameterArgumentValidationError", p.Name, notNullMsg(p.Name))
			}
			if p.mandatoryAnywhere() {
				return validationErr(c, "ParameterArgumentValidationErrorEmptyStringNotAllowed", p.Name,
					fmt.Sprintf("Cannot bind argument to parameter '%s' because it is an empty string.", p.Name))
			}
			return nil
		}
		return validateString(c, p, v)
	case []string:
		if len(v) == 0 {
			if p.NotNullOrEmpty {
				return validationErr(c, "ParameterArgumentValidationError", p.Name, fmt.Sprintf(
					"Cannot validate argument on parameter '%s'. The argument is null, empty, or an element of the argument collection contains a null value. Supply a collection that does not contain any null values and then try the command again.", p.Name))
			}
			if p.mandatoryAnywhere() {
				return validationErr(c, "ParameterArgumentValidationErrorEmptyArrayNotAllowed", p.Name,
					fmt.Sprintf("Cannot bind argument to parameter '%s' because it is an empty array.", p.Name))
			}
		}
		for _, s := range v {
			if err := validateString(c, p, s); err != nil {
				return err
			}
		}
	case *MultiValue:
		for _, list := range [][]string{v.Replace, v.Add, v.Remove} {
			for _, s := range list {
				if err := validateString(c, p, s); err != nil {
					return err
				}
			}
		}
	case int:
		if r := p.Range; r != nil {
			if int64(v) < r.Min {
				return validationErr(c, "ParameterArgumentValidationError", p.Name, fmt.Sprintf(
					"Cannot validate argument on parameter '%s'. The %d argument is less than the minimum allowed range of %d. Supply an argument that is greater than or equal to %d and then try the command again.",
					p.Name, v, r.Min, r.Min))
			}
			if int64(v) > r.Max {
				return validationErr(c, "ParameterArgumentValidationError", p.Name, fmt.Sprintf(
					"Cannot validate argument on parameter '%s'. The %d argument is greater than the maximum allowed range of %d. Supply an argument that is less than or equal to %d and then try the command again.",
					p.Name, v, r.Max, r.Max))
			}
		}
	}
	return nil
}

// validateString applies ValidateSet (non-enum Values) and ValidateLength.
func validateString(c *Cmdlet, p *Param, s string) *BindError {
	if p.Kind != Enum && len(p.Values) > 0 {
		ok := false
		for _, v := range p.Values {
			if strings.EqualFold(v, s) {
				ok = true
				break
			}
		}
		if !ok {
			return validationErr(c, "ParameterArgumentValidationError", p.Name, fmt.Sprintf(
				"Cannot validate argument on parameter '%s'. The argument \"%s\" does not belong to the set \"%s\" specified by the ValidateSet attribute. Supply an argument that is in the set and then try the command again.",
				p.Name, s, strings.Join(p.Values, ",")))
		}
	}
	if r := p.Length; r != nil {
		n := int64(utf8.RuneCountInString(s))
		if n > r.Max {
			return validationErr(c, "ParameterArgumentValidationError", p.Name, fmt.Sprintf(
				"Cannot validate argument on parameter '%s'. The character length of the %d argument is too long. Shorten the character length of the argument so it is fewer than or equal to \"%d\" characters, and then try the command again.",
				p.Name, n, r.Max))
		}
		if n < r.Min {
			return validationErr(c, "ParameterArgumentValidationError", p.Name, fmt.Sprintf(
				"Cannot validate argument on parameter '%s'. The character length (%d) of the argument is too short. Specify an argument with a length that is greater than or equal to \"%d\", and then try the command again.",
				p.Name, n, r.Min))
		}
	}
	return nil
}
