import pytest

from exporter.collectors.pressure import PressureCollector, parse_psi
from exporter.config import Paths
from tests.exporter.trees import fixture_config, key, samples, types


def test_x86_waiting_and_stalled_seconds():
    families = PressureCollector(fixture_config("x86-server")).collect()
    assert set(types(families).values()) == {"counter"}
    assert samples(families) == {
        key("node_pressure_cpu_waiting_seconds_total"): 123.456789,
        key("node_pressure_cpu_stalled_seconds_total"): 0.0,
        # Microseconds divided by 1000 twice, exactly as node_exporter computes them.
        key("node_pressure_io_waiting_seconds_total"): 9.097893000000001,
        key("node_pressure_io_stalled_seconds_total"): 4.56789,
        key("node_pressure_memory_waiting_seconds_total"): 0.25,
        key("node_pressure_memory_stalled_seconds_total"): 0.125,
        # Kernel 6.1+: IRQ pressure, a `full` line only.
        key("node_pressure_irq_stalled_seconds_total"): 2.5,
    }
    help_texts = {f.name: f.documentation for f in families}
    assert help_texts["node_pressure_io_waiting_seconds"] == (
        "Total time in seconds that processes have waited due to IO congestion"
    )


def test_a_kernel_without_psi_has_no_data():
    # Raspberry Pi kernels ship with PSI disabled unless booted with psi=1: no /proc/pressure.
    with pytest.raises(FileNotFoundError):
        PressureCollector(fixture_config("rpi4")).collect()


def test_a_kernel_older_than_6_1_has_no_irq_pressure_and_the_rest(tmp_path):
    pressure = tmp_path / "proc" / "pressure"
    pressure.mkdir(parents=True)
    for resource in ("cpu", "io", "memory"):
        (pressure / resource).write_text("some avg10=0.00 avg60=0.00 avg300=0.00 total=1000000\n")
    got = samples(PressureCollector(fixture_config("x86-server", paths=Paths(tmp_path / "proc"))).collect())
    assert key("node_pressure_cpu_waiting_seconds_total") in got
    assert not any(name.startswith("node_pressure_irq") for name, _ in got)


def test_an_irq_file_without_its_full_line_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="no 'full' line"):
        parse_psi("some avg10=0.00 avg60=0.00 avg300=0.00 total=1\n", "full")
