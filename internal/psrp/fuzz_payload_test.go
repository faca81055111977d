package psrp

import (
	"bytes"
	"reflect"
	"testing"
	"unicode/utf8"
)

// payloadDecoders lists every message-data decoder, each paired with a
// re-encoder when the payload round-trips exactly.
var payloadDecoders = []struct {
	name      string
	roundTrip func(data []byte) (ok bool, again func() (any, any))
}{
	{"SessionCapability", func(d []byte) (bool, func() (any, any)) {
		v, err := DecodeSessionCapability(d)
		return err == nil, func() (any, any) { w, _ := DecodeSessionCapability(mustEncode(v.Marshal())); return v, w }
	}},
	{"InitRunspacePool", func(d []byte) (bool, func() (any, any)) {
		v, err := DecodeInitRunspacePool(d)
		return err == nil, func() (any, any) {
			w, _ := DecodeInitRunspacePool(mustEncode(v.Marshal()))
			return [3]int32{v.MinRunspaces, v.MaxRunspaces, v.ThreadOptions}, [3]int32{w.MinRunspaces, w.MaxRunspaces, w.ThreadOptions}
		}
	}},
	{"SetMaxRunspaces", func(d []byte) (bool, func() (any, any)) {
		v, err := DecodeSetRunspaces(MsgSetMaxRunspaces, d)
		return err == nil, func() (any, any) {
			w, _ := DecodeSetRunspaces(MsgSetMaxRunspaces, mustEncode(v.Marshal()))
			return v, w
		}
	}},
	{"RunspaceAvailability", func(d []byte) (bool, func() (any, any)) {
		v, err := DecodeRunspaceAvailability(d)
		return err == nil, func() (any, any) { w, _ := DecodeRunspaceAvailability(mustEncode(v.Marshal())); return v, w }
	}},
	{"CallID", func(d []byte) (bool, func() (any, any)) {
		v, err := DecodeCallID(MsgGetAvailableRunspaces, d)
		return err == nil, func() (any, any) {
			w, _ := DecodeCallID(MsgGetAvailableRunspaces, mustEncode(EncodeCallID(v)))
			return v, w
		}
	}},
	{"RunspacePoolState", func(d []byte) (bool, func() (any, any)) {
		v, err := DecodeRunspacePoolState(d)
		return err == nil, func() (any, any) { w, _ := DecodeRunspacePoolState(mustEncode(v.Marshal())); return v.State, w.State }
	}},
	{"PipelineState", func(d []byte) (bool, func() (any, any)) {
		v, err := DecodePipelineState(d)
		return err == nil, func() (any, any) { w, _ := DecodePipelineState(mustEncode(v.Marshal())); return v.State, w.State }
	}},
	{"ApplicationPrivateData", func(d []byte) (bool, func() (any, any)) {
		v, err := DecodeApplicationPrivateData(d)
		return err == nil, func() (any, any) {
			w, _ := DecodeApplicationPrivateData(mustEncode(v.Marshal()))
			return v.PSVersionTable.PSVersion, w.PSVersionTable.PSVersion
		}
	}},
	{"GetCommandMetadata", func(d []byte) (bool, func() (any, any)) {
		v, err := DecodeGetCommandMetadata(d)
		return err == nil, func() (any, any) {
			w, _ := DecodeGetCommandMetadata(mustEncode(v.Marshal()))
			return [2]any{v.Names, v.CommandType}, [2]any{w.Names, w.CommandType}
		}
	}},
	{"ErrorRecord", func(d []byte) (bool, func() (any, any)) {
		v, err := DecodeErrorRecordMessage(d)
		return err == nil, func() (any, any) {
			w, _ := DecodeErrorRecordMessage(mustEncode(EncodeErrorRecord(v)))
			return [3]any{v.Message, v.FullyQualifiedErrorID, v.Category}, [3]any{w.Message, w.FullyQualifiedErrorID, w.Category}
		}
	}},
	{"ProgressRecord", func(d []byte) (bool, func() (any, any)) {
		v, err := DecodeProgressRecord(d)
		return err == nil, func() (any, any) { w, _ := DecodeProgressRecord(mustEncode(marshal(v.Object()))); return v, w }
	}},
	{"InformationalRecord", func(d []byte) (bool, func() (any, any)) {
		v, err := DecodeInformationalRecord(MsgWarningRecord, d)
		return err == nil, func() (any, any) {
			w, _ := DecodeInformationalRecord(MsgWarningRecord, mustEncode(marshal(v.Object())))
			return v, w
		}
	}},
	{"InformationRecord", func(d []byte) (bool, func() (any, any)) {
		v, err := DecodeInformationRecord(d)
		return err == nil, func() (any, any) {
			w, _ := DecodeInformationRecord(mustEncode(marshal(v.Object())))
			return [3]any{v.Source, v.User, v.Tags}, [3]any{w.Source, w.User, w.Tags}
		}
	}},
	{"PublicKey", func(d []byte) (bool, func() (any, any)) {
		v, err := DecodePublicKey(d)
		return err == nil, func() (any, any) { w, _ := DecodePublicKey(mustEncode(EncodePublicKey(v))); return v.E, w.E }
	}},
	{"RunspacePoolInitData", func(d []byte) (bool, func() (any, any)) {
		v, _, err := DecodeRunspacePoolInitData(MsgConnectRunspacePool, d)
		return err == nil, func() (any, any) {
			w, _, _ := DecodeRunspacePoolInitData(MsgConnectRunspacePool, mustEncode(v.Marshal()))
			return v, w
		}
	}},
}

// FuzzPayloadDecode runs every payload decoder over the same input: none
// may panic, and what one accepts must survive its encoder (on the fields
// that round-trip exactly).
func FuzzPayloadDecode(f *testing.F) {
	for _, seed := range [][]byte{
		mustEncode(DefaultSessionCapability().Marshal()),
		[]byte(initWindows), []byte(initPypsrp),
		mustEncode(SetRunspaces{Max: true, Count: 2, CallID: 3}.Marshal()),
		mustEncode(RunspaceAvailability{CallID: 1, IsCount: true, Available: 2}.Marshal()),
		mustEncode(RunspacePoolStateInfo{State: PoolBroken, Error: PipelineStoppedRecord()}.Marshal()),
		mustEncode(PipelineStateInfo{State: PipelineFailed, Error: CommandNotFoundRecord("x")}.Marshal()),
		mustEncode(ApplicationPrivateData{PSVersionTable: DefaultPSVersionTable()}.Marshal()),
		mustEncode(GetCommandMetadata{Names: []string{"*"}, CommandType: 271}.Marshal()),
		mustEncode(EncodeErrorRecord(CommandNotFoundRecord("y"))),
		mustEncode(marshal(ProgressRecord{Activity: "a"}.Object())),
		mustEncode(marshal(InformationalRecord{Message: "w"}.Object())),
		mustEncode(marshal(InformationRecord{MessageData: "i", Tags: []string{"t"}}.Object())),
		mustEncode(EncodePublicKey(&testKey.PublicKey)),
		[]byte(`<S />`),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, d := range payloadDecoders {
			ok, again := d.roundTrip(data)
			if !ok {
				continue
			}
			if a, b := again(); !reflect.DeepEqual(a, b) {
				t.Fatalf("%s: round trip %v != %v", d.name, a, b)
			}
		}
	})
}

// FuzzSecureString: decrypting arbitrary ciphertext never panics, and
// encrypting valid text always decrypts back to it.
func FuzzSecureString(f *testing.F) {
	key := bytes.Repeat([]byte{7}, SessionKeySize)
	ct, _ := EncryptSecureString(key, "seed")
	f.Add([]byte(ct), "P@ssw0rd")
	f.Add([]byte{}, "")
	f.Fuzz(func(t *testing.T, ct []byte, plain string) {
		_, _ = DecryptSecureString(key, ct)
		if !utf8.ValidString(plain) {
			return
		}
		enc, err := EncryptSecureString(key, plain)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := DecryptSecureString(key, enc); err != nil || got != plain {
			t.Fatalf("%q -> %q, %v", plain, got, err)
		}
	})
}
