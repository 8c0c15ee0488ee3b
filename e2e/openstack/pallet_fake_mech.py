"""An ML2 mechanism driver that binds every port, with no agent.

The all-in-one's compute host runs nova's fake virt driver, which plugs
nothing, so no L2 agent could report the host alive. Without a driver that
binds, Nova gets vif_type binding_failed and the server goes to ERROR.
This one binds any segment with vif_type "other": the port is ACTIVE,
Neutron's IPAM has given it its fixed address, and that is all the tests
need from Neutron. Registered as pallet_fake in neutron.ml2.mechanism_drivers.
"""

from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api


class FakeMechanismDriver(api.MechanismDriver):
    def initialize(self):
        pass

    @property
    def connectivity(self):
        return portbindings.CONNECTIVITY_L2

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            context.set_binding(segment[api.ID], portbindings.VIF_TYPE_OTHER,
                                {portbindings.CAP_PORT_FILTER: False},
                                status='ACTIVE')
            return
