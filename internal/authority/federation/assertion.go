package federation

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	xrv "github.com/mattermost/xml-roundtrip-validator"
	dsig "github.com/russellhaering/goxmldsig"
)

// SAML assertion namespaces. MSAL picks the token-endpoint grant from the
// assertion's xmlns:saml declaration: SAML 1.x → saml1_1-bearer, 2.0 →
// saml2-bearer (wstrust.go samlAssertion).
const (
	NamespaceSAML1 = "urn:oasis:names:tc:SAML:1.0:assertion"
	NamespaceSAML2 = "urn:oasis:names:tc:SAML:2.0:assertion"

	bearerSAML1 = "urn:oasis:names:tc:SAML:1.0:cm:bearer"
	bearerSAML2 = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
)

// More sentinel errors of bearer-assertion validation.
var (
	ErrSignature = errors.New("federation: assertion signature invalid")
	ErrExpired   = errors.New("federation: assertion outside its validity period")
	ErrAudience  = errors.New("federation: assertion audience not accepted")
)

// AssertionCheck says what a bearer assertion must satisfy.
type AssertionCheck struct {
	// Version is NamespaceSAML1 or NamespaceSAML2 (from the grant type).
	Version string
	// Certs are the IdP signing certificates (IdPCertificates).
	Certs []*x509.Certificate
	// Issuer is the IdP entity id the assertion must name.
	Issuer string
	// Audiences lists accepted audience URIs; every AudienceRestriction
	// must contain one of them.
	Audiences []string
	Now       time.Time
	// Skew tolerated on NotBefore and NotOnOrAfter.
	Skew time.Duration
}

// IdPCertificates returns the signing certificates of the IdP metadata
// (KeyDescriptors with use "signing" or no use).
func IdPCertificates(md *saml.EntityDescriptor) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, d := range md.IDPSSODescriptors {
		for _, kd := range d.KeyDescriptors {
			if kd.Use != "" && kd.Use != "signing" {
				continue
			}
			for _, c := range kd.KeyInfo.X509Data.X509Certificates {
				der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(c.Data), ""))
				if err != nil {
					return nil, fmt.Errorf("federation: metadata certificate: %w", err)
				}
				cert, err := x509.ParseCertificate(der)
				if err != nil {
					return nil, fmt.Errorf("federation: metadata certificate: %w", err)
				}
				out = append(out, cert)
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("federation: IdP metadata has no signing certificate")
	}
	return out, nil
}

// PeekAssertion reads, without any verification, the issuer and the
// identity claims of an assertion, so the caller can find the federated
// domain whose IdP must then verify it with ParseAssertion.
func PeekAssertion(raw []byte) (issuer, upn string, err error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil || doc.Root() == nil {
		return "", "", fmt.Errorf("%w: not XML", ErrInvalidResponse)
	}
	a, err := decodeAssertion(doc.Root())
	if err != nil {
		return "", "", err
	}
	return a.issuer, a.upn, nil
}

// ParseAssertion verifies a bearer assertion posted to the token endpoint
// (RFC 7522 / Entra's saml1_1-bearer and saml2-bearer grants): a single
// Assertion element of chk.Version, enveloped signature over that element
// by one of chk.Certs (exclusive c14n, goxmldsig), Issuer, audience,
// bearer subject confirmation, NotBefore/NotOnOrAfter within chk.Skew,
// and an assertion id not seen before (Replay). Only the signed content
// is read. Errors wrap ErrInvalidResponse, ErrSignature, ErrExpired,
// ErrAudience or ErrReplay.
func (s *SP) ParseAssertion(ctx context.Context, raw []byte, chk AssertionCheck) (*Result, error) {
	if err := xrv.Validate(bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("%w: xml round trip: %v", ErrInvalidResponse, err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil || doc.Root() == nil {
		return nil, fmt.Errorf("%w: not XML", ErrInvalidResponse)
	}
	root := doc.Root()
	if root.Tag != "Assertion" || root.NamespaceURI() != chk.Version {
		return nil, fmt.Errorf("%w: root {%s}%s, want {%s}Assertion", ErrInvalidResponse, root.NamespaceURI(), root.Tag, chk.Version)
	}
	idAttr := "ID"
	if chk.Version == NamespaceSAML1 {
		idAttr = "AssertionID"
	}
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: chk.Certs})
	vc.IdAttribute = idAttr
	vc.Clock = dsig.NewFakeClockAt(chk.Now)
	signed, err := vc.Validate(root)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	a, err := decodeAssertion(signed)
	if err != nil {
		return nil, err
	}
	switch {
	case a.id == "":
		return nil, fmt.Errorf("%w: no assertion id", ErrInvalidResponse)
	case a.issuer != chk.Issuer:
		return nil, fmt.Errorf("%w: issuer %q, want %q", ErrInvalidResponse, a.issuer, chk.Issuer)
	case a.nameID == "":
		return nil, fmt.Errorf("%w: no subject", ErrInvalidResponse)
	case !a.bearer:
		return nil, fmt.Errorf("%w: no bearer subject confirmation", ErrInvalidResponse)
	case a.notOnOrAfter.IsZero():
		return nil, fmt.Errorf("%w: no NotOnOrAfter", ErrInvalidResponse)
	case !a.notBefore.IsZero() && chk.Now.Add(chk.Skew).Before(a.notBefore):
		return nil, fmt.Errorf("%w: not before %s", ErrExpired, a.notBefore)
	case !chk.Now.Add(-chk.Skew).Before(a.notOnOrAfter):
		return nil, fmt.Errorf("%w: expired at %s", ErrExpired, a.notOnOrAfter)
	}
	if len(a.audiences) == 0 {
		return nil, fmt.Errorf("%w: no audience restriction", ErrAudience)
	}
	for _, group := range a.audiences {
		if !anyOf(group, chk.Audiences) {
			return nil, fmt.Errorf("%w: %q", ErrAudience, group)
		}
	}
	fresh, err := s.Replay.RememberJTI(ctx, "saml:"+a.issuer+"|"+a.id, a.notOnOrAfter.Add(chk.Skew))
	if err != nil {
		return nil, fmt.Errorf("federation: replay cache: %w", err)
	}
	if !fresh {
		return nil, fmt.Errorf("%w: %s", ErrReplay, a.id)
	}
	res := &Result{AssertionID: a.id, Issuer: a.issuer, NameID: a.nameID, UPN: a.upn, MFA: a.mfa}
	if res.UPN == "" {
		res.UPN = a.nameID
	}
	return res, nil
}

func anyOf(have, accepted []string) bool {
	for _, h := range have {
		for _, a := range accepted {
			if h == a {
				return true
			}
		}
	}
	return false
}

// assertion is the version-neutral content of a SAML 1.1 or 2.0 assertion.
type assertion struct {
	id, issuer, nameID, upn string
	notBefore, notOnOrAfter time.Time
	audiences               [][]string // one slice per AudienceRestriction
	bearer, mfa             bool
}

// UPN claim names: AD FS issues "UPN" (namespace
// http://schemas.xmlsoap.org/claims) on SAML 1.1 and IDPEmail on SAML 2.0.
var upnAttributes = map[string]bool{
	"UPN": true, "IDPEmail": true, "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": true,
}

const amrAttribute = "http://schemas.microsoft.com/claims/authnmethodsreferences"

func isMFA(v string) bool {
	for _, m := range MFAContexts {
		if strings.EqualFold(v, m) {
			return true
		}
	}
	return false
}

type saml1Assertion struct {
	XMLName      xml.Name `xml:"urn:oasis:names:tc:SAML:1.0:assertion Assertion"`
	AssertionID  string   `xml:"AssertionID,attr"`
	Issuer       string   `xml:"Issuer,attr"`
	MajorVersion string   `xml:"MajorVersion,attr"`
	Conditions   *struct {
		NotBefore    time.Time `xml:"NotBefore,attr"`
		NotOnOrAfter time.Time `xml:"NotOnOrAfter,attr"`
		Restrictions []struct {
			Audiences []string `xml:"urn:oasis:names:tc:SAML:1.0:assertion Audience"`
		} `xml:"urn:oasis:names:tc:SAML:1.0:assertion AudienceRestrictionCondition"`
	} `xml:"urn:oasis:names:tc:SAML:1.0:assertion Conditions"`
	AttributeStatements []struct {
		Subject    saml1Subject `xml:"urn:oasis:names:tc:SAML:1.0:assertion Subject"`
		Attributes []struct {
			Name   string   `xml:"AttributeName,attr"`
			Values []string `xml:"urn:oasis:names:tc:SAML:1.0:assertion AttributeValue"`
		} `xml:"urn:oasis:names:tc:SAML:1.0:assertion Attribute"`
	} `xml:"urn:oasis:names:tc:SAML:1.0:assertion AttributeStatement"`
	AuthnStatements []struct {
		Method  string       `xml:"AuthenticationMethod,attr"`
		Subject saml1Subject `xml:"urn:oasis:names:tc:SAML:1.0:assertion Subject"`
	} `xml:"urn:oasis:names:tc:SAML:1.0:assertion AuthenticationStatement"`
}

type saml1Subject struct {
	NameID  string   `xml:"urn:oasis:names:tc:SAML:1.0:assertion NameIdentifier"`
	Methods []string `xml:"urn:oasis:names:tc:SAML:1.0:assertion SubjectConfirmation>ConfirmationMethod"`
}

// decodeAssertion reads el (an Assertion element of either version).
func decodeAssertion(el *etree.Element) (*assertion, error) {
	d := etree.NewDocument()
	d.SetRoot(el.Copy())
	b, err := d.WriteToBytes()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidResponse, err)
	}
	switch el.NamespaceURI() {
	case NamespaceSAML1:
		return decodeSAML1(b)
	case NamespaceSAML2:
		return decodeSAML2(b)
	}
	return nil, fmt.Errorf("%w: not a SAML assertion", ErrInvalidResponse)
}

func decodeSAML1(b []byte) (*assertion, error) {
	var x saml1Assertion
	if err := xml.Unmarshal(b, &x); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidResponse, err)
	}
	if x.MajorVersion != "1" {
		return nil, fmt.Errorf("%w: MajorVersion %q", ErrInvalidResponse, x.MajorVersion)
	}
	a := &assertion{id: x.AssertionID, issuer: x.Issuer}
	if c := x.Conditions; c != nil {
		a.notBefore, a.notOnOrAfter = c.NotBefore, c.NotOnOrAfter
		for _, r := range c.Restrictions {
			a.audiences = append(a.audiences, r.Audiences)
		}
	}
	subject := func(s saml1Subject) {
		if a.nameID == "" {
			a.nameID = strings.TrimSpace(s.NameID)
		}
		for _, m := range s.Methods {
			if strings.TrimSpace(m) == bearerSAML1 {
				a.bearer = true
			}
		}
	}
	for _, st := range x.AttributeStatements {
		subject(st.Subject)
		for _, at := range st.Attributes {
			for _, v := range at.Values {
				switch {
				case upnAttributes[at.Name] && a.upn == "":
					a.upn = strings.TrimSpace(v)
				case at.Name == amrAttribute || strings.HasSuffix(amrAttribute, "/"+at.Name):
					a.mfa = a.mfa || isMFA(strings.TrimSpace(v))
				}
			}
		}
	}
	for _, st := range x.AuthnStatements {
		subject(st.Subject)
		a.mfa = a.mfa || isMFA(st.Method)
	}
	return a, nil
}

func decodeSAML2(b []byte) (*assertion, error) {
	var x saml.Assertion
	if err := xml.Unmarshal(b, &x); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidResponse, err)
	}
	if x.Version != "2.0" {
		return nil, fmt.Errorf("%w: Version %q", ErrInvalidResponse, x.Version)
	}
	a := &assertion{id: x.ID, issuer: x.Issuer.Value}
	if c := x.Conditions; c != nil {
		a.notBefore, a.notOnOrAfter = c.NotBefore, c.NotOnOrAfter
		for _, r := range c.AudienceRestrictions {
			a.audiences = append(a.audiences, []string{r.Audience.Value})
		}
	}
	if s := x.Subject; s != nil {
		if s.NameID != nil {
			a.nameID = strings.TrimSpace(s.NameID.Value)
		}
		for _, sc := range s.SubjectConfirmations {
			if sc.Method != bearerSAML2 {
				continue
			}
			a.bearer = true
			if d := sc.SubjectConfirmationData; d != nil && !d.NotOnOrAfter.IsZero() &&
				(a.notOnOrAfter.IsZero() || d.NotOnOrAfter.Before(a.notOnOrAfter)) {
				a.notOnOrAfter = d.NotOnOrAfter
			}
		}
	}
	for _, st := range x.AttributeStatements {
		for _, at := range st.Attributes {
			for _, v := range at.Values {
				switch {
				case (upnAttributes[at.Name] || upnAttributes[at.FriendlyName]) && a.upn == "":
					a.upn = strings.TrimSpace(v.Value)
				case at.Name == amrAttribute:
					a.mfa = a.mfa || isMFA(strings.TrimSpace(v.Value))
				}
			}
		}
	}
	for _, st := range x.AuthnStatements {
		if st.AuthnContext.AuthnContextClassRef != nil {
			a.mfa = a.mfa || isMFA(st.AuthnContext.AuthnContextClassRef.Value)
		}
	}
	return a, nil
}
