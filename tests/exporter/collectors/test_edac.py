from exporter.collectors.edac import EdacCollector
from tests.exporter.trees import fixture_config, key, samples, types


def test_x86_ecc_counters_per_controller_csrow_and_channel():
    families = EdacCollector(fixture_config("x86-server")).collect()
    assert set(types(families).values()) == {"counter"}
    assert samples(families) == {
        key("node_edac_correctable_errors_total", controller="0"): 3.0,
        key("node_edac_uncorrectable_errors_total", controller="0"): 0.0,
        # The controller's errors without a known row are counted under csrow "unknown".
        key("node_edac_csrow_correctable_errors_total", controller="0", csrow="unknown"): 0.0,
        key("node_edac_csrow_uncorrectable_errors_total", controller="0", csrow="unknown"): 0.0,
        key("node_edac_csrow_correctable_errors_total", controller="0", csrow="0"): 3.0,
        key("node_edac_csrow_uncorrectable_errors_total", controller="0", csrow="0"): 0.0,
        key("node_edac_csrow_correctable_errors_total", controller="0", csrow="1"): 0.0,
        key("node_edac_csrow_uncorrectable_errors_total", controller="0", csrow="1"): 0.0,
        # `#` dropped from the DIMM label, as node_exporter does.
        key(
            "node_edac_channel_correctable_errors_total",
            controller="0",
            csrow="0",
            channel="0",
            dimm_label="CPU_SrcID0_MC0_Chan0_DIMM0",
        ): 2.0,
        key(
            "node_edac_channel_correctable_errors_total",
            controller="0",
            csrow="0",
            channel="1",
            dimm_label="CPU_SrcID0_MC0_Chan1_DIMM0",
        ): 1.0,
        key(
            "node_edac_channel_correctable_errors_total",
            controller="0",
            csrow="1",
            channel="0",
            dimm_label="unknown",
        ): 0.0,
    }
    help_texts = {f.name: f.documentation for f in families}
    assert help_texts["node_edac_correctable_errors"] == "Total correctable memory errors."


def test_a_pi_has_no_edac_controllers_and_that_is_not_an_error():
    assert samples(EdacCollector(fixture_config("rpi4")).collect()) == {}
