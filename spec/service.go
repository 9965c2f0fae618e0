package spec

import (
	"fmt"
	"slices"

	"github.com/celltonomy/celltonomy/spec/specpb"
)

// MaxServicePorts bounds the API slots of a service package (and so
// envelope.service_ports): a service listens on a few ports, and the
// ledger keeps the list with the package.
const MaxServicePorts = 16

// MaxServicePort is the highest slot port, as for TCP and UDP.
const MaxServicePort = 65535

// SlotPorts returns the ports of the spec's Api slots, sorted, as a
// service package's envelope records them in service_ports. Empty for a
// batch package.
func (s *Spec) SlotPorts() []int32 {
	var ports []int32
	for _, sl := range s.msg.GetApi().GetSlot() {
		ports = append(ports, sl.GetPort())
	}
	slices.Sort(ports)
	return ports
}

// IsService reports whether an envelope is a service package's: a
// compute package that declares service ports.
func IsService(env *specpb.Envelope) bool {
	return env.GetKind() == specpb.Kind_KIND_COMPUTE && len(env.GetServicePorts()) > 0
}

// checkServicePorts adds the problems of envelope.service_ports that need
// no spec: at most MaxServicePorts ports, each 1 to MaxServicePort,
// strictly increasing (sorted, unique), and only on a compute package.
func checkServicePorts(p *problems, env *specpb.Envelope) {
	ports := env.GetServicePorts()
	if len(ports) == 0 {
		return
	}
	if env.GetKind() != specpb.Kind_KIND_COMPUTE {
		p.add("envelope.service_ports", "only a compute package may declare service ports, not a %v package", env.GetKind())
	}
	if len(ports) > MaxServicePorts {
		p.add("envelope.service_ports", "%d ports: at most %d", len(ports), MaxServicePorts)
	}
	for i, port := range ports {
		f := fmt.Sprintf("envelope.service_ports[%d]", i)
		switch {
		case port < 1 || port > MaxServicePort:
			p.add(f, "port %d: must be 1 to %d", port, MaxServicePort)
		case i > 0 && ports[i-1] >= port:
			p.add(f, "port %d: ports must be sorted and unique", port)
		}
	}
}

// checkServiceSpec adds the problem of an envelope whose service_ports
// are not the ports of the spec's Api slots.
func checkServiceSpec(p *problems, env *specpb.Envelope, s *Spec) {
	if want := s.SlotPorts(); !slices.Equal(env.GetServicePorts(), want) {
		p.add("envelope.service_ports", "%v: must be the ports of the spec's api.slot, %v", env.GetServicePorts(), want)
	}
}
