"""Official vehicles: trip requests, dispatch and trips, the fleet and its costs, common destinations."""
